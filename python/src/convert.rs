//! JSON values between Rust and Python: `dict`, `list`, `str`, `int`, `float`, `bool` and `None`,
//! both ways. A brief given as a dict is converted with its path in every error, and a nesting
//! deeper than [`MAX_DEPTH`] (a list that contains itself, say) is refused, never followed.
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use serde_json::{Map, Number, Value};

/// The deepest nesting a brief may have: far beyond any real brief, and below the 128 levels
/// the JSON reader the engine hands a dict to accepts.
pub(crate) const MAX_DEPTH: usize = 100;

/// A JSON value as the equivalent Python object (`json.loads` would give the same).
pub(crate) fn to_py<'py>(py: Python<'py>, value: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match value {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => number(py, n)?,
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(to_py(py, item)?)?;
            }
            list.into_any()
        }
        Value::Object(map) => {
            let dict = PyDict::new(py);
            for (k, v) in map {
                dict.set_item(k, to_py(py, v)?)?;
            }
            dict.into_any()
        }
    })
}

fn number<'py>(py: Python<'py>, n: &Number) -> PyResult<Bound<'py, PyAny>> {
    Ok(if let Some(i) = n.as_i64() {
        i.into_pyobject(py)?.into_any()
    } else if let Some(u) = n.as_u64() {
        u.into_pyobject(py)?.into_any()
    } else {
        n.as_f64().unwrap_or(f64::NAN).into_pyobject(py)?.into_any()
    })
}

/// A Python object as a JSON value. `path` names where it is, for errors (`text.headline`).
pub(crate) fn from_py(obj: &Bound<'_, PyAny>, path: &str, depth: usize) -> PyResult<Value> {
    if depth > MAX_DEPTH {
        return Err(PyValueError::new_err(format!(
            "the brief nests deeper than {MAX_DEPTH} levels at `{}` (does a list or dict contain itself?)",
            shown(path)
        )));
    }
    if obj.is_none() {
        return Ok(Value::Null);
    }
    if obj.is_instance_of::<PyBool>() {
        return Ok(Value::Bool(obj.extract()?));
    }
    if obj.is_instance_of::<PyInt>() {
        return int(obj, path);
    }
    if obj.is_instance_of::<PyFloat>() {
        let f: f64 = obj.extract()?;
        return Number::from_f64(f).map(Value::Number).ok_or_else(|| {
            PyValueError::new_err(format!(
                "`{}` is {f}: JSON has no NaN or infinity; give a finite number",
                shown(path)
            ))
        });
    }
    if obj.is_instance_of::<PyString>() {
        return obj.extract().map(Value::String).map_err(|_| {
            PyValueError::new_err(format!(
                "`{}` is not valid Unicode text (a lone surrogate?): a brief holds UTF-8 strings",
                shown(path)
            ))
        });
    }
    if let Ok(dict) = obj.cast::<PyDict>() {
        return object(dict, path, depth);
    }
    if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
        let mut items = Vec::new();
        for (i, item) in obj.try_iter()?.enumerate() {
            items.push(from_py(&item?, &format!("{path}[{i}]"), depth + 1)?);
        }
        return Ok(Value::Array(items));
    }
    Err(PyTypeError::new_err(format!(
        "`{}` is a {}: a brief holds only dict, list, tuple, str, int, float, bool and None",
        shown(path),
        obj.get_type().name()?
    )))
}

fn object(dict: &Bound<'_, PyDict>, path: &str, depth: usize) -> PyResult<Value> {
    let mut map = Map::new();
    for (k, v) in dict.iter() {
        let Ok(key) = k.extract::<String>() else {
            let why = if k.is_instance_of::<PyString>() {
                "not valid Unicode text (a lone surrogate?)"
            } else {
                "not a str: the keys of a brief are strings"
            };
            return Err(PyTypeError::new_err(format!(
                "a key of `{}`, {}, is {why}",
                shown(path),
                k.repr()?
            )));
        };
        let inner = if path.is_empty() {
            key.clone()
        } else {
            format!("{path}.{key}")
        };
        let value = from_py(&v, &inner, depth + 1)?;
        map.insert(key, value);
    }
    Ok(Value::Object(map))
}

fn int(obj: &Bound<'_, PyAny>, path: &str) -> PyResult<Value> {
    if let Ok(i) = obj.extract::<i64>() {
        return Ok(Value::from(i));
    }
    if let Ok(u) = obj.extract::<u64>() {
        return Ok(Value::from(u));
    }
    Err(PyValueError::new_err(format!(
        "`{}` is {}, beyond the 64-bit integers a brief can hold",
        shown(path),
        obj.repr()?
    )))
}

fn shown(path: &str) -> &str {
    if path.is_empty() { "the brief" } else { path }
}
