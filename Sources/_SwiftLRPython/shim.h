// Shared helpers of the CPython shim (internal).
#ifndef SWIFTLR_SHIM_H
#define SWIFTLR_SHIM_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "swiftlr_abi.h"

/// Interned "lr", looked up on every scheduler step.
extern PyObject *shim_str_lr;

/// Raises the Python exception for a failed core call (`status` != OK).
/// Always returns NULL.
PyObject *shim_raise(int32_t status, const swiftlr_message *message);

/// Fills a fresh config from a dict of name -> bool, int, float, str, None,
/// or a list/tuple of ints or floats. Returns NULL with an exception set.
swiftlr_config *shim_config_from_dict(PyObject *dict);

/// Converts a value read from the core to a new Python object.
PyObject *shim_value_to_object(const swiftlr_value *value);

/// Reads a sequence of numbers into a new double array (PyMem_Free it).
/// Returns -1 with an exception set.
int shim_doubles_from_sequence(PyObject *sequence, const char *what, double **out, Py_ssize_t *count);

extern PyTypeObject SchedulerCore_Type;

/// Interns the scheduler type's strings and readies the type; -1 on error.
int shim_scheduler_ready(void);

PyObject *shim_sgd_step(PyObject *module, PyObject *const *args, Py_ssize_t nargs);
PyObject *shim_schedule_values(PyObject *module, PyObject *const *args, Py_ssize_t nargs);
PyObject *shim_axpy(PyObject *module, PyObject *const *args, Py_ssize_t nargs);

#endif  // SWIFTLR_SHIM_H
