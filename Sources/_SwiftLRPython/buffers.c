// Buffer-protocol helpers of the SGD shim: taking float32/float64 arrays,
// comparing their layouts, and saying what is wrong with one.
#include "shim.h"

/// Takes a writable (or read-only) contiguous float buffer of `object`.
int shim_take(PyObject *object, Py_buffer *view, int writable, const char *role, Py_ssize_t index) {
  return shim_take_strided(object, view, writable, 1, role, index);
}

/// What a `Py_buffer` holds: float32, float64, or something we refuse.
/// (Asked several times per array of every step: no strcmp call.)
int shim_buffer_dtype(const Py_buffer *view) {
  const char *f = view->format == NULL ? "B" : view->format;
  if (*f == '@' || *f == '=' || *f == '<') f++;
  if (f[0] == 'f' && f[1] == '\0' && view->itemsize == 4) return SWIFTLR_FLOAT32;
  if (f[0] == 'd' && f[1] == '\0' && view->itemsize == 8) return SWIFTLR_FLOAT64;
  return -1;
}

int shim_same_layout(const Py_buffer *a, const Py_buffer *b) {
  if (a->ndim != b->ndim || a->itemsize != b->itemsize) return 0;
  for (int d = 0; d < a->ndim; d++) {
    if (a->shape[d] != b->shape[d]) return 0;
    // Strides only matter along dimensions longer than one.
    if (a->shape[d] > 1 && a->strides[d] != b->strides[d]) return 0;
  }
  return 1;
}

void shim_describe_shape(const Py_buffer *v, char *out, size_t size) {
  size_t used = (size_t)snprintf(out, size, "(");
  for (int d = 0; d < v->ndim && used < size; d++) {
    used += (size_t)snprintf(out + used, size - used, d + 1 < v->ndim || v->ndim == 1 ? "%zd," : "%zd", v->shape[d]);
  }
  if (used < size) snprintf(out + used, size - used, ")");
}

/// Takes a writable (or read-only) float buffer of `object`, contiguous if
/// `contiguous`.
int shim_take_strided(PyObject *object, Py_buffer *view, int writable, int contiguous, const char *role,
                      Py_ssize_t index) {
  int flags = PyBUF_RECORDS_RO | (writable ? PyBUF_WRITABLE : 0);
  if (PyObject_GetBuffer(object, view, flags) < 0) {
    // Say which array failed and why (numpy: "buffer source array is read-only", ...).
    int not_a_buffer = PyErr_ExceptionMatches(PyExc_TypeError);
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyErr_Format(not_a_buffer ? PyExc_TypeError : PyExc_ValueError,
                 "%s %zd must be a %sfloat32 or float64 array, got %.100s: %S", role, index,
                 writable ? "writable " : "", Py_TYPE(object)->tp_name, value ? value : Py_None);
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(tb);
    return -1;
  }
  if (shim_buffer_dtype(view) < 0) {
    PyErr_Format(PyExc_TypeError, "%s %zd must be float32 or float64, got format '%s'", role, index,
                 view->format ? view->format : "B");
    PyBuffer_Release(view);
    return -1;
  }
  if (contiguous && !PyBuffer_IsContiguous(view, 'A')) {
    PyErr_Format(PyExc_ValueError, "%s %zd is not contiguous; pass a C- or Fortran-ordered array", role, index);
    PyBuffer_Release(view);
    return -1;
  }
  return 0;
}
