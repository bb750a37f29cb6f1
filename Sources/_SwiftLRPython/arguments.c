// The declarations of `_swiftlr`: each scheduler's arguments as the Swift
// core declares them, their checks, and the pure functions PyTorch exposes as
// attributes. Glue only: conversion and exceptions.
#include "shim.h"

/// The `kind` argument as UTF-8, or NULL with TypeError set.
static const char *kind_name(PyObject *kind) {
  if (!PyUnicode_Check(kind)) {
    PyErr_Format(PyExc_TypeError, "kind must be a str, got %.100s", Py_TYPE(kind)->tp_name);
    return NULL;
  }
  return PyUnicode_AsUTF8(kind);
}

// scheduler_arguments(kind) -> tuple of (name, conversion, default, checked_first);
// default is `required` (the module's sentinel) for a required argument.
PyObject *shim_scheduler_arguments(PyObject *module, PyObject *kind) {
  const char *name = kind_name(kind);
  if (name == NULL) return NULL;
  int64_t count = swiftlr_scheduler_argument_count(name);
  if (count < 0) return PyErr_Format(PyExc_ValueError, "unknown scheduler %R", kind);
  PyObject *required = PyObject_GetAttrString(module, "REQUIRED");
  if (required == NULL) return NULL;
  PyObject *rows = PyTuple_New((Py_ssize_t)count);
  if (rows == NULL) goto fail;
  for (int64_t i = 0; i < count; i++) {
    swiftlr_argument argument;
    if (!swiftlr_scheduler_argument(name, i, &argument)) {
      PyErr_SetString(PyExc_RuntimeError, "the argument table changed while it was read");
      goto fail;
    }
    PyObject *value = argument.has_default ? shim_value_to_object(&argument.default_value) : Py_NewRef(required);
    if (value == NULL) goto fail;
    PyObject *row =
        Py_BuildValue("(ssNO)", argument.name, argument.conversion, value, argument.checked_first ? Py_True : Py_False);
    if (row == NULL) goto fail;
    PyTuple_SET_ITEM(rows, (Py_ssize_t)i, row);
  }
  Py_DECREF(required);
  return rows;
fail:
  Py_XDECREF(rows);
  Py_DECREF(required);
  return NULL;
}

/// A tuple of the names `name_at(name, flag, 0)`, `name_at(name, flag, 1)`, ... up to
/// the first NULL: one of the name lists the declarations of scheduler `kind` give.
static PyObject *declared_names(PyObject *kind, int32_t flag,
                                const char *(*name_at)(const char *kind, int32_t flag, int64_t index)) {
  const char *name = kind_name(kind);
  if (name == NULL) return NULL;
  if (swiftlr_scheduler_argument_count(name) < 0) return PyErr_Format(PyExc_ValueError, "unknown scheduler %R", kind);
  Py_ssize_t count = 0;
  while (name_at(name, flag, count) != NULL) count++;
  PyObject *names = PyTuple_New(count);
  if (names == NULL) return NULL;
  for (Py_ssize_t i = 0; i < count; i++) {
    PyObject *item = PyUnicode_FromString(name_at(name, flag, i));
    if (item == NULL) goto fail;
    PyTuple_SET_ITEM(names, i, item);
  }
  return names;
fail:
  Py_DECREF(names);
  return NULL;
}

static const char *torch_field_at(const char *kind, int32_t flag, int64_t index) {
  (void)flag;
  return swiftlr_scheduler_torch_field(kind, index);
}

// scheduler_fields(kind) -> tuple of str: the declared fields that are PyTorch's
// attributes, in declaration order (the Python class's state attributes).
PyObject *shim_scheduler_fields(PyObject *module, PyObject *kind) {
  (void)module;
  return declared_names(kind, 0, torch_field_at);
}

// scheduler_group_inputs(kind, cycle_momentum) -> tuple of str: the param-group keys
// whose values a step takes as its inputs, one run per group in this order.
PyObject *shim_scheduler_group_inputs(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
  (void)module;
  if (!shim_arity("scheduler_group_inputs", nargs, 2)) return NULL;
  int cycle_momentum = PyObject_IsTrue(args[1]);
  if (cycle_momentum < 0) return NULL;
  return declared_names(args[0], cycle_momentum, swiftlr_scheduler_group_input);
}

// check_arguments(kind, values: dict) -> None: the declared checks of the given arguments.
PyObject *shim_check_arguments(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
  (void)module;
  if (!shim_arity("check_arguments", nargs, 2)) return NULL;
  const char *name = kind_name(args[0]);
  if (name == NULL) return NULL;
  swiftlr_config *config = shim_config_from_dict(args[1]);
  if (config == NULL) return NULL;
  swiftlr_message message;
  int32_t status = swiftlr_scheduler_check(name, config, &message);
  swiftlr_config_free(config);
  if (status != SWIFTLR_OK) return shim_raise(status, &message);
  Py_RETURN_NONE;
}

/// Reads (str, float...) arguments; -1 with an exception set.
static int text_and_doubles(PyObject *const *args, Py_ssize_t nargs, Py_ssize_t want, const char *function,
                            const char **text, double *values) {
  if (!shim_arity(function, nargs, want)) return -1;
  *text = kind_name(args[0]);
  if (*text == NULL) return -1;
  for (Py_ssize_t i = 1; i < want; i++) {
    values[i - 1] = PyFloat_AsDouble(args[i]);
    if (values[i - 1] == -1.0 && PyErr_Occurred()) return -1;
  }
  return 0;
}

// anneal_weight(strategy, t) -> float: SWALR's `anneal_func(t)`.
PyObject *shim_anneal_weight(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
  (void)module;
  const char *strategy;
  double t;
  if (text_and_doubles(args, nargs, 2, "anneal_weight", &strategy, &t) < 0) return NULL;
  return PyFloat_FromDouble(swiftlr_anneal_weight(strategy, t));
}

// cyclic_cycle(total_size, step) -> int: the cycle number PyTorch passes a `scale_fn`.
PyObject *shim_cyclic_cycle(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
  (void)module;
  if (!shim_arity("cyclic_cycle", nargs, 2)) return NULL;
  double values[2];
  for (Py_ssize_t i = 0; i < 2; i++) {
    values[i] = PyFloat_AsDouble(args[i]);
    if (values[i] == -1.0 && PyErr_Occurred()) return NULL;
  }
  return PyLong_FromDouble(swiftlr_cyclic_cycle(values[0], values[1]));
}

// cyclic_scale(mode, gamma, x) -> float: CyclicLR's built-in `scale_fn(x)`.
PyObject *shim_cyclic_scale(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
  (void)module;
  const char *mode;
  double values[2];
  if (text_and_doubles(args, nargs, 3, "cyclic_scale", &mode, values) < 0) return NULL;
  return PyFloat_FromDouble(swiftlr_cyclic_scale(mode, values[0], values[1]));
}
