// The dtype of a tensor lr, as the core's SWIFTLR_LR_* code.
#include "shim.h"

#include <string.h>

static PyObject *str_dtype;

int shim_lr_precision(PyObject *lr) {
  if (PyFloat_Check(lr) || PyLong_Check(lr)) return SWIFTLR_LR_FLOAT64;
  if (str_dtype == NULL && (str_dtype = PyUnicode_InternFromString("dtype")) == NULL) return -1;
  PyObject *dtype = PyObject_GetAttr(lr, str_dtype);
  if (dtype == NULL) {
    // Not a tensor (a numpy scalar, a user number type): float64 arithmetic.
    if (!PyErr_ExceptionMatches(PyExc_AttributeError)) return -1;
    PyErr_Clear();
    return SWIFTLR_LR_FLOAT64;
  }
  PyObject *name = PyObject_Str(dtype);  // "torch.float32", ...; numpy dtypes read "float32"
  Py_DECREF(dtype);
  if (name == NULL) return -1;
  const char *text = PyUnicode_AsUTF8(name);
  int code = SWIFTLR_LR_FLOAT64;
  if (text == NULL) {
    code = -1;
  } else if (strcmp(text, "torch.float32") == 0) {
    code = SWIFTLR_LR_FLOAT32;
  } else if (strcmp(text, "torch.float16") == 0) {
    code = SWIFTLR_LR_FLOAT16;
  } else if (strcmp(text, "torch.bfloat16") == 0) {
    code = SWIFTLR_LR_BFLOAT16;
  }
  Py_DECREF(name);
  return code;
}
