//! Matrix products over row-major slices, handed to nalgebra's GEMM (matrixmultiply).
//!
//! The samples are stored row-major (each sample contiguous) while nalgebra is column-major;
//! a strided view bridges the two without copying, and the same buffer read with swapped
//! strides is its own transpose. A row stride larger than the row (BLAS's leading dimension)
//! picks a block of columns out of a wider matrix.
//!
//! nalgebra hands a product to matrixmultiply only when every side exceeds 5; below that it
//! falls back to column-by-column `gemv`, whose `axcpy` walks a strided view past its end
//! (nalgebra 0.35 iterates over the length of the underlying slice, not the vector's rows).
//! Small products therefore never reach nalgebra here: [`gemm`] does them with plain loops.

use nalgebra::{DMatrixView, DMatrixViewMut, Dyn, RealField, Scalar};

/// nalgebra's threshold: a product with a side this small or smaller skips matrixmultiply.
const SMALL_DIM: usize = 5;

/// Whether a matrix takes part in a product as stored or transposed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Op {
    /// The matrix as stored.
    N,
    /// Its transpose.
    T,
}

/// A row-major `rows x cols` matrix stored in `data`, row `i` at `data[i * stride..][..cols]`,
/// read as `op` gives it.
#[derive(Clone, Copy, Debug)]
pub(super) struct RowMajor<'a, T> {
    /// The values, row after row.
    data: &'a [T],
    /// Number of rows as stored.
    rows: usize,
    /// Number of columns as stored.
    cols: usize,
    /// Distance in `data` from one row to the next, at least `cols`.
    stride: usize,
    /// How the matrix takes part in the product.
    op: Op,
}

impl<'a, T: Scalar + Copy> RowMajor<'a, T> {
    /// `data` as a row-major `rows x cols` matrix, rows back to back.
    pub fn new(data: &'a [T], rows: usize, cols: usize) -> Self {
        Self {
            data,
            rows,
            cols,
            stride: cols,
            op: Op::N,
        }
    }

    /// The stored columns `start..end` (before `op`), as a matrix of its own.
    pub fn columns(self, start: usize, end: usize) -> Self {
        Self {
            data: &self.data[start..],
            cols: end - start,
            ..self
        }
    }

    /// The same matrix, transposed.
    pub fn t(self) -> Self {
        Self {
            op: match self.op {
                Op::N => Op::T,
                Op::T => Op::N,
            },
            ..self
        }
    }

    /// The shape after `op`.
    fn shape(&self) -> (usize, usize) {
        match self.op {
            Op::N => (self.rows, self.cols),
            Op::T => (self.cols, self.rows),
        }
    }

    /// Element `(i, j)` of the matrix after `op`.
    fn at(&self, i: usize, j: usize) -> T {
        match self.op {
            Op::N => self.data[i * self.stride + j],
            Op::T => self.data[j * self.stride + i],
        }
    }

    /// A nalgebra view of the matrix after `op`, without copying.
    fn view(&self) -> DMatrixView<'a, T, Dyn, Dyn> {
        let (r, c) = self.shape();
        match self.op {
            Op::N => DMatrixView::from_slice_with_strides(self.data, r, c, self.stride, 1),
            Op::T => DMatrixView::from_slice_with_strides(self.data, r, c, 1, self.stride),
        }
    }
}

/// `out = alpha * a * b + beta * out`, `out` a row-major `rows(a) x cols(b)` buffer.
///
/// The shapes are the caller's invariant (the public functions check their inputs first);
/// a mismatch panics, and would be a bug here.
pub(super) fn gemm<T: Scalar + RealField + Copy>(
    alpha: T,
    a: RowMajor<'_, T>,
    b: RowMajor<'_, T>,
    beta: T,
    out: &mut [T],
) {
    let n = b.shape().1;
    gemm_strided(alpha, a, b, beta, out, n);
}

/// [`gemm`] into a block of a wider matrix: row `i` of the result at `out[i * stride..]`.
pub(super) fn gemm_strided<T: Scalar + RealField + Copy>(
    alpha: T,
    a: RowMajor<'_, T>,
    b: RowMajor<'_, T>,
    beta: T,
    out: &mut [T],
    stride: usize,
) {
    let (m, inner) = a.shape();
    let (_, n) = b.shape();
    if m.min(n).min(inner) <= SMALL_DIM {
        small_gemm(alpha, a, b, beta, out, stride);
        return;
    }
    let mut c = DMatrixViewMut::from_slice_with_strides_mut(out, m, n, stride, 1);
    c.gemm(alpha, &a.view(), &b.view(), beta);
}

/// [`gemm_strided`] by plain loops, for products with a small side (at most `SMALL_DIM`).
fn small_gemm<T: Scalar + RealField + Copy>(
    alpha: T,
    a: RowMajor<'_, T>,
    b: RowMajor<'_, T>,
    beta: T,
    out: &mut [T],
    stride: usize,
) {
    let (m, inner) = a.shape();
    let (_, n) = b.shape();
    for i in 0..m {
        let row = &mut out[i * stride..i * stride + n];
        // `beta = 0` must not read `out`, as in BLAS: it may hold anything.
        if beta == T::zero() {
            row.fill(T::zero());
        } else {
            row.iter_mut().for_each(|c| *c *= beta);
        }
        for p in 0..inner {
            let a_ip = alpha * a.at(i, p);
            match b.op {
                Op::N => {
                    let b_row = &b.data[p * b.stride..p * b.stride + n];
                    row.iter_mut().zip(b_row).for_each(|(c, &v)| *c += a_ip * v);
                }
                Op::T => row
                    .iter_mut()
                    .enumerate()
                    .for_each(|(j, c)| *c += a_ip * b.at(p, j)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn products_of_row_major_buffers() {
        // a = [[1, 2, 3], [4, 5, 6]], b = [[1, 0], [0, 1], [1, 1]], both row-major.
        let a = [1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0];
        let b = [1.0f32, 0.0, 0.0, 1.0, 1.0, 1.0];
        let mut ab = [0.0f32; 4];
        gemm(
            1.0,
            RowMajor::new(&a, 2, 3),
            RowMajor::new(&b, 3, 2),
            0.0,
            &mut ab,
        );
        assert_eq!(ab, [4.0, 5.0, 10.0, 11.0]);

        // aᵀa is 3x3 and symmetric; accumulate it twice with beta = 1.
        let mut ata = [0.0f32; 9];
        let a_ = RowMajor::new(&a, 2, 3);
        gemm(1.0, a_.t(), a_, 0.0, &mut ata);
        gemm(1.0, a_.t(), a_, 1.0, &mut ata);
        assert_eq!(ata, [34.0, 44.0, 54.0, 44.0, 58.0, 72.0, 54.0, 72.0, 90.0]);

        // a aᵀ reads the right operand transposed; beta = 0 ignores NaN already in `out`.
        let mut aat = [f32::NAN; 4];
        gemm(1.0, a_, a_.t(), 0.0, &mut aat);
        assert_eq!(aat, [14.0, 32.0, 32.0, 77.0]);

        // gᵀ g: (8x7)(7x8); big enough (> 5 per side) to go through matrixmultiply.
        let big: Vec<f64> = (0..7 * 8).map(f64::from).collect();
        let mut prod = vec![0.0f64; 8 * 8];
        let g = RowMajor::new(&big[..], 7, 8);
        gemm(2.0, g.t(), g, 0.0, &mut prod);
        for i in 0..8 {
            for j in 0..8 {
                let want: f64 = (0..7).map(|r| big[r * 8 + i] * big[r * 8 + j]).sum();
                assert_eq!(prod[i * 8 + j], 2.0 * want, "({i}, {j})");
            }
        }

        // Column blocks of a wider matrix, into a block of a wider result: for both paths,
        // out[rows 1.., cols 2..] = (g[:, 1..7])ᵀ g[:, 2..8] and the border stays untouched.
        for (lo, hi) in [(1, 7), (1, 3)] {
            let mut wide = vec![-1.0f64; 10 * 10];
            let (w, h) = (hi - lo, hi - lo);
            gemm_strided(
                1.0,
                g.columns(lo, hi).t(),
                g.columns(lo + 1, hi + 1),
                0.0,
                &mut wide[10 + 2..],
                10,
            );
            for i in 0..10 {
                for j in 0..10 {
                    let inside = (1..1 + w).contains(&i) && (2..2 + h).contains(&j);
                    let want = if inside {
                        (0..7)
                            .map(|r| big[r * 8 + lo + i - 1] * big[r * 8 + lo + 1 + j - 2])
                            .sum()
                    } else {
                        -1.0
                    };
                    assert_eq!(wide[i * 10 + j], want, "({lo}..{hi}) at ({i}, {j})");
                }
            }
        }
    }
}
