// `_fast_forward(steps)`: `steps` calls of `step()` in one native call, for
// the schedulers whose step takes nothing from Python (no metric, no user
// function): the groups are read once, the core runs the recurrence `steps`
// times (`swiftlr_scheduler_fast_forward`), and the last lrs and momenta are
// written once, by the same code as a step's (`scheduler_apply_step`).
#include "scheduler.h"

static PyObject *fast_forward_groups(NativeScheduler *self, PyObject *param_groups, long long steps) {
  GroupStep step;
  PyObject *result = NULL;
  if (group_step_read(&step, param_groups, self->group_count, self->group_inputs, &self->cache) < 0) goto done;
  swiftlr_message message;
  int32_t status = swiftlr_scheduler_fast_forward(
      self->core, step.lrs, step.n, step.tensor_lrs ? step.precisions : NULL, step.inputs, step.n * step.keys, steps,
      self->step_count, self->step_kind == STEP_LR, &message);
  if (status != SWIFTLR_OK) {
    shim_raise(status, &message);
    goto done;
  }
  result = scheduler_apply_step(self, &step);
done:
  if (result == NULL) group_cache_invalidate(&self->cache);
  group_step_release(&step);
  return result;
}

PyObject *scheduler_fast_forward(NativeScheduler *self, PyObject *arg) {
  if (!PyLong_Check(arg) || PyBool_Check(arg)) {
    PyErr_Format(PyExc_TypeError, "steps must be an int, got %.100s", Py_TYPE(arg)->tp_name);
    return NULL;
  }
  int overflow = 0;
  long long steps = PyLong_AsLongLongAndOverflow(arg, &overflow);
  if (steps == -1 && PyErr_Occurred()) return NULL;
  if (overflow > 0 || steps < 0 || overflow < 0) {
    PyErr_Format(overflow > 0 ? PyExc_OverflowError : PyExc_ValueError,
                 "steps must be a non-negative integer below 2**63, got %R", arg);
    return NULL;
  }
  if (self->step_kind == STEP_METRIC || self->python_inputs) {
    PyErr_SetString(PyExc_TypeError, "_fast_forward: this scheduler's steps take values from Python");
    return NULL;
  }
  if (self->optimizer == NULL) {
    PyErr_SetString(PyExc_AttributeError, "the scheduler has no optimizer");
    return NULL;
  }
  if (scheduler_check_idle(self, "fast_forward") < 0) return NULL;
  self->busy = 1;
  // Ours for the whole call: user code (a group's __getitem__) may replace `self.optimizer`.
  PyObject *optimizer = Py_NewRef(self->optimizer);
  PyObject *last = NULL, *groups = PyObject_GetAttrString(optimizer, "param_groups");
  if (groups != NULL) last = fast_forward_groups(self, groups, steps);
  if (last != NULL) {
    Py_XSETREF(self->last_lr, last);
    if (self->step_kind == STEP_LR) self->step_count += steps;  // the core checked it does not overflow
  }
  self->busy = 0;
  Py_DECREF(optimizer);
  Py_XDECREF(groups);
  return last == NULL ? NULL : Py_NewRef(Py_None);
}
