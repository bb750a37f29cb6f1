// Conversions between Python objects and the core's named values.
#include "shim.h"

PyObject *shim_str_lr = NULL;

PyObject *shim_raise(int32_t status, const swiftlr_message *message) {
  PyObject *type;
  switch (status) {
    case SWIFTLR_TYPE_ERROR:
      type = PyExc_TypeError;
      break;
    case SWIFTLR_OVERFLOW_ERROR:
      type = PyExc_OverflowError;
      break;
    case SWIFTLR_KEY_ERROR:
      type = PyExc_KeyError;
      break;
    case SWIFTLR_ZERO_DIVISION_ERROR:
      type = PyExc_ZeroDivisionError;
      break;
    case SWIFTLR_RUNTIME_ERROR:
      type = PyExc_RuntimeError;
      break;
    default:
      type = PyExc_ValueError;
      break;
  }
  PyErr_SetString(type, message->text);
  return NULL;
}

int shim_doubles_from_sequence(PyObject *sequence, const char *what, double **out, Py_ssize_t *count) {
  double *values = NULL;
  // A tuple of our own: an item's `__float__` may change the sequence it came from.
  PyObject *items = NULL;
  if (PyList_Check(sequence) || PyTuple_Check(sequence)) {
    items = PySequence_Tuple(sequence);
  } else {
    PyObject *fast = PySequence_Fast(sequence, what);
    items = fast == NULL ? NULL : PySequence_Tuple(fast);
    Py_XDECREF(fast);
  }
  if (items == NULL) goto fail;
  Py_ssize_t n = PyTuple_GET_SIZE(items);
  if (n > SHIM_MAX_LENGTH) {
    PyErr_Format(PyExc_ValueError, "%zd values are more than swiftlr takes in one list (%d)", n, SHIM_MAX_LENGTH);
    goto fail;
  }
  values = PyMem_New(double, n > 0 ? (size_t)n : 1);
  if (values == NULL) {
    PyErr_NoMemory();
    goto fail;
  }
  for (Py_ssize_t i = 0; i < n; i++) {
    values[i] = PyFloat_AsDouble(PyTuple_GET_ITEM(items, i));
    if (values[i] == -1.0 && PyErr_Occurred()) goto fail;
  }
  Py_DECREF(items);
  *out = values;
  *count = n;
  return 0;
fail:
  Py_XDECREF(items);
  PyMem_Free(values);
  return -1;
}

PyObject *shim_doubles_to_list(const double *values, Py_ssize_t n) {
  PyObject *list = PyList_New(n);
  if (list == NULL) return NULL;
  for (Py_ssize_t i = 0; i < n; i++) {
    PyObject *value = PyFloat_FromDouble(values[i]);
    if (value == NULL) {
      Py_DECREF(list);
      return NULL;
    }
    PyList_SET_ITEM(list, i, value);
  }
  return list;
}

/// Replaces a bare "int too big to convert" with one that names the argument
/// and the limit, keeping the exception type (OverflowError). The value is
/// not printed: a huge int's repr can itself fail. Returns -1.
static int name_conversion_error(const char *name, int to_int) {
  if (!PyErr_ExceptionMatches(PyExc_OverflowError)) return -1;
  PyErr_Clear();
  PyErr_Format(PyExc_OverflowError, "%s is out of range: it must fit in a %s", name,
               to_int ? "signed 64-bit integer, -2**63 to 2**63-1" : "float");
  return -1;
}

/// Puts a list or tuple: all ints (no bools) as ints, otherwise as doubles.
static int put_sequence(swiftlr_config *config, const char *name, PyObject *sequence) {
  int result = -1;
  int64_t *ints = NULL;
  double *doubles = NULL;
  Py_ssize_t n = PyTuple_GET_SIZE(sequence);
  PyObject **items = &PyTuple_GET_ITEM(sequence, 0);
  if (n > SHIM_MAX_LENGTH) {
    PyErr_Format(PyExc_ValueError, "%s has %zd values, more than swiftlr takes in one list (%d)", name, n,
                 SHIM_MAX_LENGTH);
    return -1;
  }
  int all_ints = 1;
  for (Py_ssize_t i = 0; i < n; i++) {
    if (!PyLong_Check(items[i]) || PyBool_Check(items[i])) all_ints = 0;
  }
  if (all_ints) {
    ints = PyMem_New(int64_t, n > 0 ? n : 1);
    if (ints == NULL) {
      PyErr_NoMemory();
      goto done;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
      ints[i] = PyLong_AsLongLong(items[i]);
      if (ints[i] == -1 && PyErr_Occurred()) {
        name_conversion_error(name, 1);
        goto done;
      }
    }
    swiftlr_config_put_ints(config, name, ints, n);
  } else {
    doubles = PyMem_New(double, n > 0 ? n : 1);
    if (doubles == NULL) {
      PyErr_NoMemory();
      goto done;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
      if (!PyNumber_Check(items[i]) || PyComplex_Check(items[i])) {
        PyErr_Format(PyExc_TypeError, "%s must contain only numbers, got %.100s", name, Py_TYPE(items[i])->tp_name);
        goto done;
      }
      doubles[i] = PyFloat_AsDouble(items[i]);
      if (doubles[i] == -1.0 && PyErr_Occurred()) {
        name_conversion_error(name, 0);
        goto done;
      }
    }
    swiftlr_config_put_doubles(config, name, doubles, n);
  }
  result = 0;
done:
  PyMem_Free(ints);
  PyMem_Free(doubles);
  return result;
}

static int put_value(swiftlr_config *config, const char *name, PyObject *value) {
  PyObject *index = NULL;
  if (value == Py_None) {
    swiftlr_config_put_none(config, name);
  } else if (PyBool_Check(value)) {
    swiftlr_config_put_bool(config, name, value == Py_True);
  } else if (PyLong_Check(value)) {
    long long v = PyLong_AsLongLong(value);
    if (v == -1 && PyErr_Occurred()) {
      // Past 64 bits: a float if it fits one (a float argument takes it; an
      // int argument reports it out of range), else OverflowError, as float() says.
      if (!PyErr_ExceptionMatches(PyExc_OverflowError)) return -1;
      PyErr_Clear();
      double d = PyLong_AsDouble(value);
      if (d == -1.0 && PyErr_Occurred()) return name_conversion_error(name, 0);
      swiftlr_config_put_double(config, name, d);
      return 0;
    }
    swiftlr_config_put_int(config, name, v);
  } else if (PyFloat_Check(value)) {
    swiftlr_config_put_double(config, name, PyFloat_AS_DOUBLE(value));
  } else if (PyUnicode_Check(value)) {
    const char *s = PyUnicode_AsUTF8(value);
    if (s == NULL) return -1;
    swiftlr_config_put_string(config, name, s);
  } else if (PyList_Check(value) || PyTuple_Check(value)) {
    // A tuple of our own: an item's `__float__` may change the list it came from.
    PyObject *items = PySequence_Tuple(value);
    if (items == NULL) return -1;
    int r = put_sequence(config, name, items);
    Py_DECREF(items);
    return r;
  } else if (PyIndex_Check(value) && (index = PyNumber_Index(value)) != NULL) {
    // numpy integers and other int-likes.
    int r = put_value(config, name, index);
    Py_DECREF(index);
    return r;
  } else if (PyErr_Occurred() && !PyErr_ExceptionMatches(PyExc_TypeError)) {
    return -1;
  } else if (PyNumber_Check(value) && !PyComplex_Check(value)) {
    // numpy floats, 0-d tensors and other float-likes (a float tensor has an
    // `__index__` too, which refused it above).
    PyErr_Clear();
    double v = PyFloat_AsDouble(value);
    if (v == -1.0 && PyErr_Occurred()) return name_conversion_error(name, 0);
    swiftlr_config_put_double(config, name, v);
  } else {
    PyErr_Format(PyExc_TypeError, "%s: unsupported value of type %.100s", name, Py_TYPE(value)->tp_name);
    return -1;
  }
  return 0;
}

swiftlr_config *shim_config_from_dict(PyObject *dict) {
  if (!PyDict_Check(dict)) {
    PyErr_Format(PyExc_TypeError, "expected a dict, got %.100s", Py_TYPE(dict)->tp_name);
    return NULL;
  }
  // A list of (key, value) pairs of our own: converting a value may run
  // Python code that changes the dict.
  PyObject *pairs = PyDict_Items(dict);
  if (pairs == NULL) return NULL;
  swiftlr_config *config = swiftlr_config_new();
  for (Py_ssize_t i = 0; i < PyList_GET_SIZE(pairs); i++) {
    PyObject *pair = PyList_GET_ITEM(pairs, i);
    PyObject *key = PyTuple_GET_ITEM(pair, 0), *value = PyTuple_GET_ITEM(pair, 1);
    if (!PyUnicode_Check(key)) {
      PyErr_Format(PyExc_TypeError, "keys must be str, got %.100s", Py_TYPE(key)->tp_name);
      goto fail;
    }
    const char *name = PyUnicode_AsUTF8(key);
    if (name == NULL || put_value(config, name, value) < 0) goto fail;
  }
  Py_DECREF(pairs);
  return config;
fail:
  Py_DECREF(pairs);
  swiftlr_config_free(config);
  return NULL;
}

PyObject *shim_value_to_object(const swiftlr_value *value) {
  switch (value->tag) {
    case SWIFTLR_BOOL:
      return PyBool_FromLong((long)value->int_value);
    case SWIFTLR_INT:
      return PyLong_FromLongLong(value->int_value);
    case SWIFTLR_DOUBLE:
      return PyFloat_FromDouble(value->double_value);
    case SWIFTLR_STRING:
      return PyUnicode_FromString(value->string);
    case SWIFTLR_INTS: {
      PyObject *list = PyList_New((Py_ssize_t)value->count);
      if (list == NULL) return NULL;
      for (int64_t i = 0; i < value->count; i++) {
        PyObject *item = PyLong_FromLongLong(value->ints[i]);
        if (item == NULL) {
          Py_DECREF(list);
          return NULL;
        }
        PyList_SET_ITEM(list, (Py_ssize_t)i, item);
      }
      return list;
    }
    case SWIFTLR_DOUBLES: {
      PyObject *list = PyList_New((Py_ssize_t)value->count);
      if (list == NULL) return NULL;
      for (int64_t i = 0; i < value->count; i++) {
        PyObject *item = PyFloat_FromDouble(value->doubles[i]);
        if (item == NULL) {
          Py_DECREF(list);
          return NULL;
        }
        PyList_SET_ITEM(list, (Py_ssize_t)i, item);
      }
      return list;
    }
    default:
      Py_RETURN_NONE;
  }
}
