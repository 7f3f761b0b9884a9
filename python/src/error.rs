//! `imgprompt.BriefError`: what a brief got wrong, with every diagnostic as data and `str()` as
//! the command line prints them.
use engine::Diagnostics;
use pyo3::prelude::*;
use pyo3::types::PyList;

pyo3::create_exception!(
    imgprompt,
    BriefError,
    pyo3::exceptions::PyValueError,
    "A brief that cannot be rendered (or a file that cannot be read).\n\n\
     `diagnostics` is the list of findings, each a dict with `severity`, `code` and `message`, and\n\
     where known `file`, `line`, `column`, `path`, `label`, `help` and `notes` (the records of\n\
     `imgprompt validate --format json`). `str(error)` renders them as the command line does."
);

/// The exception for `diagnostics`, its message rendered without colour.
pub(crate) fn brief_error(py: Python<'_>, diagnostics: &Diagnostics) -> PyErr {
    let err = BriefError::new_err(diagnostics.to_string());
    match diagnostics_list(py, diagnostics) {
        Ok(list) => match err.value(py).setattr("diagnostics", list) {
            Ok(()) => err,
            Err(e) => e,
        },
        Err(e) => e,
    }
}

/// The diagnostics as a list of dicts.
pub(crate) fn diagnostics_list<'py>(
    py: Python<'py>,
    diagnostics: &Diagnostics,
) -> PyResult<Bound<'py, PyList>> {
    let list = PyList::empty(py);
    for d in &diagnostics.0 {
        let value = serde_json::to_value(d).expect("a diagnostic serialises");
        list.append(crate::convert::to_py(py, &value)?)?;
    }
    Ok(list)
}
