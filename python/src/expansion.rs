//! `imgprompt.expand`: the variants of a brief as a lazy iterator. Each variant is built when it
//! is asked for, so a million variants take the memory of one.
use engine::app::vary::Variations;
use engine::{Diagnostics, SourceFile};
use pyo3::prelude::*;

use crate::error::brief_error;

/// The variants of a brief (`vary`), in expansion order, built one at a time. `len()` is their
/// number.
#[pyclass(module = "imgprompt")]
#[derive(Debug)]
pub struct Expansion {
    variations: Variations,
    /// The chosen indices when sampled; else every index below `total`.
    sample: Option<Vec<u64>>,
    total: u64,
    next: u64,
}

impl Expansion {
    /// Reads the variations, every value of every axis checked up front (all or nothing).
    pub(crate) fn new(
        py: Python<'_>,
        source: &SourceFile,
        stem: &str,
        sample: Option<u64>,
        seed: u64,
    ) -> PyResult<Self> {
        let built = py.detach(|| -> Result<Self, Diagnostics> {
            let value = source.parse_brief().map_err(|d| Diagnostics(vec![d]))?;
            let variations = Variations::from_brief(&value, stem, Some(source))?;
            variations.check_values(Some(source))?;
            let total = variations.count().ok_or_else(|| {
                Diagnostics(vec![
                    engine::Diagnostic::error(
                        engine::Code::TooManyVariants,
                        "this brief has more than 18 quintillion variants",
                    )
                    .in_file(&source.name),
                ])
            })?;
            let sample = sample
                .filter(|n| *n < total)
                .map(|n| variations.sample(n, seed));
            Ok(Expansion {
                total: sample.as_ref().map_or(total, |s| s.len() as u64),
                variations,
                sample,
                next: 0,
            })
        });
        built.map_err(|d| brief_error(py, &d))
    }
}

#[pymethods]
impl Expansion {
    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__<'py>(&mut self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        if self.next >= self.total {
            return Ok(None);
        }
        let index = match &self.sample {
            Some(s) => s[usize::try_from(self.next).expect("a sample fits in memory")],
            None => self.next,
        };
        self.next += 1;
        let variant = self.variations.variant(index);
        let value = serde_json::to_value(&variant).expect("a variant serialises");
        crate::convert::to_py(py, &value).map(Some)
    }

    fn __len__(&self) -> PyResult<usize> {
        usize::try_from(self.total - self.next).map_err(|_| {
            pyo3::exceptions::PyOverflowError::new_err("more variants than len() can count")
        })
    }
}
