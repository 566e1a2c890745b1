//! Blobs of a user's own model family: a `ModelKind::User` code in the header.

use super::*;
use crate::FIRST_USER_CODE;

test_model!(UserModel, ModelKind::User(200));
test_model!(OtherUserModel, ModelKind::User(201));

type User = UserModel<SmallNet>;
type OtherUser = OtherUserModel<SmallNet>;

#[test]
fn the_core_kinds_keep_their_codes() {
    let kinds = [
        (ModelKind::Autoencoder, 1),
        (ModelKind::TiedAutoencoder, 2),
        (ModelKind::StackedAutoencoder, 3),
        (ModelKind::Vae, 4),
    ];
    for (kind, code) in kinds {
        assert_eq!(kind.code(), code);
        assert_eq!(ModelKind::from_code(code), Some(kind));
        assert!(kind.is_valid());
    }
    for code in (0..FIRST_USER_CODE).filter(|code| !(1..=4).contains(code)) {
        assert_eq!(ModelKind::from_code(code), None, "{code}");
    }
    for code in FIRST_USER_CODE..=u8::MAX {
        assert_eq!(ModelKind::from_code(code), Some(ModelKind::User(code)));
        assert!(ModelKind::User(code).is_valid());
    }
    assert!(!ModelKind::User(FIRST_USER_CODE - 1).is_valid());
    assert!(!ModelKind::User(1).is_valid());
}

#[test]
fn a_user_kind_round_trips_and_is_inspected_as_itself() {
    let model = random::<User>(40);
    let blob = blob_of(&model);
    assert_eq!(blob[6], 200);
    let loaded: User = load_into_sentinel(&blob).unwrap();
    assert_eq!(bits(&loaded), bits(&model));
    let info = inspect(&blob).unwrap();
    assert_eq!(info.kind, ModelKind::User(200));
    assert_eq!(info.scalars, User::SCALARS);
    // The same layers under another family's code: another model, not these weights.
    let same_layers = blob_of(&random::<Small>(40));
    assert_eq!(same_layers[7..HEADER_LEN - 8], blob[7..HEADER_LEN - 8]);
    assert_eq!(inspect(&same_layers).unwrap().kind, ModelKind::Autoencoder);
}

#[test]
fn user_kinds_are_not_each_other_nor_the_core_kinds() {
    let blob = blob_of(&random::<User>(41));
    assert_eq!(
        load_into_sentinel::<OtherUser>(&blob).unwrap_err(),
        Error::WrongModel {
            expected: 201,
            found: 200
        }
    );
    assert_eq!(
        load_into_sentinel::<Small>(&blob).unwrap_err(),
        Error::WrongModel {
            expected: ModelKind::Autoencoder.code(),
            found: 200
        }
    );
    let core_blob = blob_of(&random::<Small>(41));
    assert_eq!(
        load_into_sentinel::<User>(&core_blob).unwrap_err(),
        Error::WrongModel {
            expected: 200,
            found: ModelKind::Autoencoder.code()
        }
    );
}

#[test]
fn reserved_codes_are_refused_by_inspect_and_user_codes_read() {
    let mut blob = blob_of(&random::<Small>(42));
    for code in [0, 5, 99, FIRST_USER_CODE - 1] {
        blob[6] = code;
        fix_crc(&mut blob);
        assert_eq!(inspect(&blob), Err(Error::Malformed), "{code}");
    }
    for code in [FIRST_USER_CODE, 200, u8::MAX] {
        blob[6] = code;
        fix_crc(&mut blob);
        assert_eq!(inspect(&blob).unwrap().kind, ModelKind::User(code));
    }
}
