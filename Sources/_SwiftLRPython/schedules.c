// `_swiftlr.schedule_values`: a scheduler evaluated at many steps in one call
// (behind `swiftlr.schedules`). Glue only: the loop is the core's
// `swiftlr_schedule_values`, run without the GIL.
#include "shim.h"

#include <string.h>

/// Whether a buffer format is a native 8-byte signed integer ('q' or 'l' on LP64).
static int is_int64_format(const char *format) {
  if (format == NULL) return 0;
  if (*format == '@' || *format == '=' || *format == '<') format++;
  return (strcmp(format, "q") == 0 || (strcmp(format, "l") == 0 && sizeof(long) == 8));
}

/// Whether a buffer format is a native double ('d').
static int is_double_format(const char *format) {
  if (format == NULL) return 0;
  if (*format == '@' || *format == '=' || *format == '<') format++;
  return strcmp(format, "d") == 0;
}

// schedule_values(kind, config, steps, inputs=None, closed_form=False, out=None) -> out, or a bytearray of float64.
// `out` (a writable float64 buffer of the steps' length) lets the caller's
// allocator provide the memory: numpy's reuses it, a new bytearray faults in fresh pages.
PyObject *shim_schedule_values(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
  (void)module;
  PyObject *result = NULL, *out = NULL;
  swiftlr_config *config = NULL;
  double *inputs = NULL;
  Py_ssize_t input_count = 0;
  Py_buffer view, out_view;
  int have_view = 0, have_out_view = 0, closed_form = 0;

  if (nargs < 3 || nargs > 6) {
    PyErr_Format(PyExc_TypeError, "schedule_values() takes 3 to 6 arguments (%zd given)", nargs);
    goto done;
  }
  if (!PyUnicode_Check(args[0])) {
    PyErr_Format(PyExc_TypeError, "kind must be a str, got %.100s", Py_TYPE(args[0])->tp_name);
    goto done;
  }
  const char *kind = PyUnicode_AsUTF8(args[0]);
  if (kind == NULL) goto done;
  config = shim_config_from_dict(args[1]);
  if (config == NULL) goto done;
  if (nargs >= 4 && args[3] != Py_None &&
      shim_doubles_from_sequence(args[3], "inputs must be a sequence", &inputs, &input_count) < 0) {
    goto done;
  }
  if (nargs >= 5 && (closed_form = PyObject_IsTrue(args[4])) < 0) goto done;
  if (PyObject_GetBuffer(args[2], &view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0) goto done;
  have_view = 1;
  if (view.itemsize != 8 || !is_int64_format(view.format)) {
    PyErr_Format(PyExc_TypeError, "steps must be a contiguous int64 buffer, got format '%s' of %zd bytes",
                 view.format != NULL ? view.format : "B", view.itemsize);
    goto done;
  }
  Py_ssize_t count = view.len / 8;
  double *values;
  if (nargs == 6 && args[5] != Py_None) {
    if (PyObject_GetBuffer(args[5], &out_view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | PyBUF_WRITABLE) < 0) goto done;
    have_out_view = 1;
    if (out_view.itemsize != 8 || !is_double_format(out_view.format) || out_view.len != count * 8) {
      PyErr_Format(PyExc_TypeError,
                   "out must be a contiguous writable float64 buffer of %zd values, got format '%s' of %zd bytes",
                   count, out_view.format != NULL ? out_view.format : "B", out_view.len);
      goto done;
    }
    out = Py_NewRef(args[5]);
    values = (double *)out_view.buf;
  } else {
    out = PyByteArray_FromStringAndSize(NULL, count * 8);
    if (out == NULL) goto done;
    values = (double *)PyByteArray_AS_STRING(out);
  }

  swiftlr_message message;
  int32_t status;
  Py_BEGIN_ALLOW_THREADS status = swiftlr_schedule_values(kind, config, (const int64_t *)view.buf, (int64_t)count,
                                                          inputs, (int64_t)input_count, closed_form, values, &message);
  Py_END_ALLOW_THREADS if (status != SWIFTLR_OK) {
    shim_raise(status, &message);
    goto done;
  }
  result = out;
  out = NULL;

done:
  if (have_view) PyBuffer_Release(&view);
  if (have_out_view) PyBuffer_Release(&out_view);
  Py_XDECREF(out);
  PyMem_Free(inputs);
  swiftlr_config_free(config);
  return result;
}
