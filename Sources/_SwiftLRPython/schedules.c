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

// schedule_values(kind, config, steps, inputs=None) -> bytearray of float64
PyObject *shim_schedule_values(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
  (void)module;
  PyObject *result = NULL, *out = NULL;
  swiftlr_config *config = NULL;
  double *inputs = NULL;
  Py_ssize_t input_count = 0;
  Py_buffer view;
  int have_view = 0;

  if (nargs < 3 || nargs > 4) {
    PyErr_Format(PyExc_TypeError, "schedule_values() takes 3 or 4 arguments (%zd given)", nargs);
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
  if (nargs == 4 && args[3] != Py_None &&
      shim_doubles_from_sequence(args[3], "inputs must be a sequence", &inputs, &input_count) < 0) {
    goto done;
  }
  if (PyObject_GetBuffer(args[2], &view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0) goto done;
  have_view = 1;
  if (view.itemsize != 8 || !is_int64_format(view.format)) {
    PyErr_Format(PyExc_TypeError, "steps must be a contiguous int64 buffer, got format '%s' of %zd bytes",
                 view.format != NULL ? view.format : "B", view.itemsize);
    goto done;
  }
  Py_ssize_t count = view.len / 8;
  out = PyByteArray_FromStringAndSize(NULL, count * 8);
  if (out == NULL) goto done;

  swiftlr_message message;
  int32_t status;
  double *values = (double *)PyByteArray_AS_STRING(out);
  Py_BEGIN_ALLOW_THREADS status = swiftlr_schedule_values(kind, config, (const int64_t *)view.buf, (int64_t)count,
                                                          inputs, (int64_t)input_count, values, &message);
  Py_END_ALLOW_THREADS if (status != SWIFTLR_OK) {
    shim_raise(status, &message);
    goto done;
  }
  result = out;
  out = NULL;

done:
  if (have_view) PyBuffer_Release(&view);
  Py_XDECREF(out);
  PyMem_Free(inputs);
  swiftlr_config_free(config);
  return result;
}
