// The optimizer's state as SGD's step records it: a new momentum buffer joins
// `state` before the kernel runs, and is taken back if the step fails, so
// that a failed step (even one interrupted by a signal handler inside a
// Python mapping's `__setitem__`) leaves `state` as it was.
#include "sgd_entry.h"

static PyObject *str_momentum_buffer;

/// Records a new momentum buffer: `state.setdefault(param, {})["momentum_buffer"] = buffer`.
static int record_buffer(PyObject *state, sgd_entry *e) {
  if (e->p.param_state == NULL) {
    if ((e->p.param_state = PyDict_New()) == NULL) return -1;
    if (PyDict_SetItem(e->p.param_state, str_momentum_buffer, e->buffer) < 0) return -1;
    if (PyObject_SetItem(state, e->p.param, e->p.param_state) < 0) return -1;  // may run Python code
    e->recorded = RECORDED_NEW_STATE;
    return 0;
  }
  if (PyDict_SetItem(e->p.param_state, str_momentum_buffer, e->buffer) < 0) return -1;
  e->recorded = RECORDED_IN_STATE;
  return 0;
}

/// Takes back what `record_buffer` recorded. Removing a parameter's state
/// may run Python code (a mapping's `__delitem__`, a tensor's `__hash__`),
/// and so a signal handler that raises: that deletion is retried, and the
/// exception the call raises stays the first one.
static void forget_buffer(PyObject *state, sgd_entry *e) {
  if (e->recorded == RECORDED_IN_STATE) {
    // A plain dict's own method with a str key: no Python code runs.
    if (e->had_none) {
      if (PyDict_SetItem(e->p.param_state, str_momentum_buffer, Py_None) < 0) PyErr_Clear();
    } else if (PyDict_DelItem(e->p.param_state, str_momentum_buffer) < 0) {
      PyErr_Clear();
    }
  } else if (e->recorded == RECORDED_NEW_STATE) {
    for (int attempt = 0; attempt < 16 && PyObject_DelItem(state, e->p.param) < 0; attempt++) {
      int gone = PyErr_ExceptionMatches(PyExc_KeyError);  // a parameter listed twice: already taken back
      PyErr_Clear();
      if (gone) break;
    }
  }
  e->recorded = RECORDED_NOT;
}

void sgd_forget_buffers(PyObject *state, sgd_entry *entries, Py_ssize_t n) {
  PyObject *type, *value, *traceback;
  PyErr_Fetch(&type, &value, &traceback);
  for (Py_ssize_t k = n - 1; k >= 0; k--) forget_buffer(state, &entries[k]);
  PyErr_Restore(type, value, traceback);
}

// A mapping whose `__setitem__` raises (or is interrupted) leaves `state`
// and the parameters as they were.
int sgd_record_buffers(PyObject *state, sgd_entry *entries, Py_ssize_t n) {
  if (str_momentum_buffer == NULL && (str_momentum_buffer = PyUnicode_InternFromString("momentum_buffer")) == NULL) {
    return -1;
  }
  Py_ssize_t i = 0;
  while (i < n && (!entries[i].fresh || record_buffer(state, &entries[i]) == 0)) i++;
  if (i == n) return 0;
  sgd_forget_buffers(state, entries, i + 1);
  return -1;
}
