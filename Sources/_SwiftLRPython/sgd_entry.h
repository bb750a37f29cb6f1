// One parameter of an SGD step (`sgd.c`) and the recording of its new
// momentum buffer in the optimizer's state (`sgd_state.c`).
#ifndef SWIFTLR_SGD_ENTRY_H
#define SWIFTLR_SGD_ENTRY_H

#include "shim.h"

/// One parameter with a gradient and its momentum buffer (pinned by `weak`,
/// its buffer `view` where `taken`), all released by `release_entry`.
typedef struct {
  shim_param p;
  PyObject *buffer, *weak;
  Py_buffer view;
  char taken;
  char fresh;
  char recorded;  // how the fresh buffer went into `state` (RECORDED_*), for the undo
  char had_none;  // the param's state held `momentum_buffer: None` before
} sgd_entry;

enum { RECORDED_NOT = 0, RECORDED_NEW_STATE = 1, RECORDED_IN_STATE = 2 };

/// Records every fresh momentum buffer of `entries` in `state` before any
/// parameter changes; if that fails, takes back what it recorded and returns
/// -1 with the first exception set.
int sgd_record_buffers(PyObject *state, sgd_entry *entries, Py_ssize_t n);

/// Takes back every buffer `sgd_record_buffers` recorded, keeping the
/// exception that is set.
void sgd_forget_buffers(PyObject *state, sgd_entry *entries, Py_ssize_t n);

#endif  // SWIFTLR_SGD_ENTRY_H
