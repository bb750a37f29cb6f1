// `step()` of every swiftlr scheduler: PyTorch's `LRScheduler.step` (and
// ReduceLROnPlateau's, CosineAnnealingWarmRestarts'), whole, in C: warnings,
// the deprecated epoch, user functions (`_step_inputs`), then the step
// transaction (param_groups.c); a step that raises, at any point, leaves the
// scheduler, its bookkeeping and the optimizer's groups as they were.
#include "scheduler.h"

#include <limits.h>

static PyObject *str_param_groups, *str_step, *str_wrapped, *str_opt_called, *str_step_inputs;
static PyObject *epoch_warning, *order_warning, *overridden_warning;

// MARK: - Arguments

/// Parses `step(epoch=None)`, or `step(metrics, epoch=None)` when `metrics` is not NULL.
static int parse_step_args(const char *name, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames,
                           PyObject **metrics, PyObject **epoch) {
  Py_ssize_t positional_max = metrics != NULL ? 2 : 1;
  if (nargs > positional_max) {
    PyErr_Format(PyExc_TypeError, "%s() takes at most %zd positional arguments (%zd given)", name, positional_max,
                 nargs);
    return -1;
  }
  PyObject **slots[2] = {metrics != NULL ? metrics : epoch, epoch};
  for (Py_ssize_t i = 0; i < nargs; i++) *slots[i] = args[i];
  Py_ssize_t nkw = kwnames == NULL ? 0 : PyTuple_GET_SIZE(kwnames);
  for (Py_ssize_t k = 0; k < nkw; k++) {
    PyObject *key = PyTuple_GET_ITEM(kwnames, k);
    PyObject **slot = NULL;
    if (PyUnicode_CompareWithASCIIString(key, "epoch") == 0) slot = epoch;
    if (metrics != NULL && PyUnicode_CompareWithASCIIString(key, "metrics") == 0) slot = metrics;
    if (slot == NULL) {
      PyErr_Format(PyExc_TypeError, "%s() got an unexpected keyword argument %R", name, key);
      return -1;
    }
    if (*slot != NULL && *slot != Py_None && slot != epoch) {
      PyErr_Format(PyExc_TypeError, "%s() got multiple values for argument %R", name, key);
      return -1;
    }
    *slot = args[nargs + k];
  }
  if (metrics != NULL && *metrics == NULL) {
    PyErr_Format(PyExc_TypeError, "%s() missing 1 required positional argument: 'metrics'", name);
    return -1;
  }
  return 0;
}

/// PyTorch's check of the call order at the first step after construction,
/// warning at `stacklevel`. A hand-written optimizer with only
/// `param_groups` has no step to check.
static int warn_step_order(PyObject *optimizer, Py_ssize_t stacklevel) {
  PyObject *optimizer_step, *called;
  int found = PyObject_GetOptionalAttr(optimizer, str_step, &optimizer_step);
  if (found <= 0) return found;
  int wrapped = PyObject_HasAttr(optimizer_step, str_wrapped);
  Py_DECREF(optimizer_step);
  if (!wrapped) return PyErr_WarnEx(PyExc_UserWarning, PyUnicode_AsUTF8(overridden_warning), stacklevel);
  if (PyObject_GetOptionalAttr(optimizer, str_opt_called, &called) < 0) return -1;
  int truth = called == NULL ? 0 : PyObject_IsTrue(called);  // no `_opt_called`: not called
  Py_XDECREF(called);
  if (truth < 0) return -1;
  return truth ? 0 : PyErr_WarnEx(PyExc_UserWarning, PyUnicode_AsUTF8(order_warning), stacklevel);
}

/// PyTorch's step warnings before step `step_count` (the order at the
/// first, the deprecated epoch), at `stacklevel`: `run()`'s, and the Python
/// step's of a user subclass (`_swiftlr.warn_step`).
static int warn_step(PyObject *optimizer, long long step_count, int has_epoch, Py_ssize_t stacklevel) {
  if (step_count == 1 && warn_step_order(optimizer, stacklevel) < 0) return -1;
  return has_epoch ? PyErr_WarnEx(PyExc_UserWarning, PyUnicode_AsUTF8(epoch_warning), stacklevel) : 0;
}

PyObject *scheduler_warn_step(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
  (void)module;
  if (!shim_arity("warn_step", nargs, 3)) return NULL;
  long long step_count = PyLong_AsLongLong(args[1]);
  if (step_count == -1 && PyErr_Occurred()) return NULL;
  // Called by the Python `step`: the warning points at its caller, as PyTorch's does.
  return warn_step(args[0], step_count, args[2] != Py_None, 2) < 0 ? NULL : Py_NewRef(Py_None);
}

// MARK: - step(), _update_lr()

/// ReduceLROnPlateau's step after param groups were added or removed
/// (pytorch/pytorch#104361): `_step_regrouping(groups, metric, epoch)` (not
/// busy meanwhile) returns the new `_last_lr` of a step it took, or a
/// scheduler rebuilt for the groups and its attributes; that one steps here
/// and, once stepped, becomes this one's core in the same native call, so no
/// exception (not even a signal handler's) leaves the groups stepped and the core not.
static PyObject *regroup_step(NativeScheduler *self, PyObject *groups, double metric, PyObject *epoch_object,
                              const swiftlr_value *epoch) {
  PyObject *number = PyFloat_FromDouble(metric);  // converted once: the user's __float__ ran already
  if (number == NULL) return NULL;
  self->busy = 0;
  PyObject *last = PyObject_CallMethod((PyObject *)self, "_step_regrouping", "OOO", groups, number, epoch_object);
  self->busy = 1;
  Py_DECREF(number);
  if (last == NULL || PyList_Check(last)) return last;
  PyObject *pair = last, *own = NULL, *attributes;
  NativeScheduler *fresh;
  last = NULL;
  if (!PyArg_ParseTuple(pair, "O!O!:_step_regrouping() result", &NativeScheduler_Type, &fresh, &PyDict_Type,
                        &attributes)) {
    goto done;
  }
  if (fresh->core == NULL || fresh == self) {
    PyErr_SetString(PyExc_TypeError, "_step_regrouping() must return a list or a new scheduler");
    goto done;
  }
  if ((own = PyObject_GenericGetDict((PyObject *)self, NULL)) == NULL) goto done;
  fresh->is_initial = self->is_initial;
  last = scheduler_step_groups(fresh, groups, &metric, 1, epoch, self->step_count, NULL);
  if (last == NULL) goto done;
  swiftlr_scheduler *core = fresh->core;
  fresh->core = NULL;
  scheduler_adopt(self, core);
  Py_XSETREF(self->config, Py_XNewRef(fresh->config));
  Py_XSETREF(self->group_inputs, Py_XNewRef(fresh->group_inputs));
  if (PyDict_Update(own, attributes) < 0) Py_CLEAR(last);  // out of memory only: the keys are strs
done:
  Py_XDECREF(own);
  Py_DECREF(pair);
  return last;
}

/// The optimizer's `param_groups` (a new reference), or NULL with an exception set.
static PyObject *optimizer_groups(NativeScheduler *self) {
  if (self->optimizer == NULL) {
    PyErr_SetString(PyExc_AttributeError, "the scheduler has no optimizer");
    return NULL;
  }
  PyObject *optimizer = Py_NewRef(self->optimizer);  // user code may replace `self.optimizer` meanwhile
  PyObject *groups = PyObject_GetAttr(optimizer, str_param_groups);
  Py_DECREF(optimizer);
  return groups;
}

/// One whole step, or `*fast_forward` steps, as the call `what` under the
/// scheduler's lock: `warn` gives PyTorch's warnings, `count` advances
/// `_step_count` (PyTorch's `step`, not `_update_lr`).
Py_ALWAYS_INLINE static inline PyObject *run(NativeScheduler *self, const char *what, PyObject *metrics,
                                             PyObject *epoch_object, int warn, int count,
                                             const long long *fast_forward) {
  double metric = 0, *inputs = NULL;
  swiftlr_value epoch;
  Py_ssize_t input_count = 0;
  PyObject *groups = NULL, *last = NULL;
  int has_epoch = epoch_object != Py_None, first = count && self->step_count == 1 && fast_forward == NULL;
  if (scheduler_enter(self, what, ENTER_CHANGE) < 0) return NULL;
  self->busy = 1;
  if (metrics != NULL && PyFloat_CheckExact(metrics)) {
    metric = PyFloat_AS_DOUBLE(metrics);
  } else if (metrics != NULL) {  // PyTorch: current = float(metrics) (which also parses a str)
    PyObject *number = PyNumber_Float(metrics);
    if (number == NULL) goto done;
    metric = PyFloat_AS_DOUBLE(number);
    Py_DECREF(number);
  }
  if (count && fast_forward == NULL && self->step_count == LLONG_MAX) {
    PyErr_SetString(PyExc_OverflowError, "_step_count is too large to step");
    goto done;
  }
  if (warn && (first || has_epoch)) {
    PyObject *optimizer = Py_XNewRef(self->optimizer);  // user code may replace `self.optimizer` meanwhile
    int failed = optimizer != NULL && warn_step(optimizer, first, has_epoch, 1) < 0;
    Py_XDECREF(optimizer);
    if (failed) goto done;
  }
  if (has_epoch && shim_epoch(epoch_object, &epoch) < 0) goto done;
  if (metrics == NULL && self->python_inputs) {  // the step inputs the class computes in Python (user functions)
    PyObject *values = PyObject_CallMethodOneArg((PyObject *)self, str_step_inputs, epoch_object);
    int failed = values == NULL ||
                 (values != Py_None && shim_doubles_from_sequence(values, "_step_inputs() must return a sequence",
                                                                  &inputs, &input_count) < 0);
    Py_XDECREF(values);
    if (failed) goto done;
  }
  if ((groups = optimizer_groups(self)) == NULL) goto done;
  if (metrics != NULL && PyList_Check(groups) && PyList_GET_SIZE(groups) != self->group_count) {
    last = regroup_step(self, groups, metric, epoch_object, has_epoch ? &epoch : NULL);
  } else {
    last = scheduler_step_groups(self, groups, metrics != NULL ? &metric : inputs, metrics != NULL ? 1 : input_count,
                                 has_epoch ? &epoch : NULL, self->step_count + (count && !fast_forward), fast_forward);
  }
  if (last != NULL) {
    Py_XSETREF(self->last_lr, last);
    if (count) self->step_count += fast_forward != NULL ? *fast_forward : 1;  // the core checked a fast forward's
  }
done:
  self->busy = 0;
  scheduler_exit(self);
  Py_XDECREF(groups);
  if (inputs != NULL) PyMem_Free(inputs);
  return last == NULL ? NULL : Py_NewRef(Py_None);
}

PyObject *scheduler_step(NativeScheduler *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames) {
  PyObject *metrics = NULL, *epoch = Py_None;
  int metric_step = self->step_protocol == STEP_METRIC;
  if (kwnames == NULL && nargs == metric_step) {  // step() / step(metrics): every step of a loop
    if (metric_step) metrics = args[0];
  } else if (parse_step_args("step", args, nargs, kwnames, metric_step ? &metrics : NULL, &epoch) < 0) {
    return NULL;
  }
  return run(self, "step", metrics, epoch, self->step_protocol != STEP_PLAIN, self->step_protocol == STEP_LR, NULL);
}

PyObject *scheduler_update_lr(NativeScheduler *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames) {
  PyObject *epoch = Py_None;
  if (parse_step_args("_update_lr", args, nargs, kwnames, NULL, &epoch) < 0) return NULL;
  if (self->step_protocol == STEP_METRIC) {
    PyErr_SetString(PyExc_TypeError, "ReduceLROnPlateau steps with step(metrics)");
    return NULL;
  }
  return run(self, "_update_lr", NULL, epoch, 0, 0, NULL);
}

/// `_fast_forward(steps)`: `steps` calls of `step()` in one native call, for
/// the schedulers whose step takes nothing from Python (no metric, no user
/// function): the step transaction, whose rule runs the recurrence `steps`
/// times (`swiftlr_scheduler_fast_forward`).
PyObject *scheduler_fast_forward(NativeScheduler *self, PyObject *arg) {
  if (!PyLong_Check(arg) || PyBool_Check(arg)) {
    PyErr_Format(PyExc_TypeError, "steps must be an int, got %.100s", Py_TYPE(arg)->tp_name);
    return NULL;
  }
  int overflow = 0;
  long long steps = PyLong_AsLongLongAndOverflow(arg, &overflow);
  if (steps == -1 && PyErr_Occurred()) return NULL;
  if (overflow != 0 || steps < 0) {
    PyErr_Format(overflow > 0 ? PyExc_OverflowError : PyExc_ValueError,
                 "steps must be a non-negative integer below 2**63, got %R", arg);
    return NULL;
  }
  if (self->step_protocol == STEP_METRIC || self->python_inputs) {
    PyErr_SetString(PyExc_TypeError, "_fast_forward: this scheduler's steps take values from Python");
    return NULL;
  }
  return run(self, "fast_forward", NULL, Py_None, 0, self->step_protocol == STEP_LR, &steps);
}

// _core_step(inputs=None, epoch=None, groups=None) -> list: one step of the
// core over `groups` (default: the optimizer's) with this object's
// `_step_count` and `_is_initial`; returns what `_last_lr` would become.
PyObject *scheduler_core_step(NativeScheduler *self, PyObject *args, PyObject *kwargs) {
  static char *keywords[] = {"inputs", "epoch", "groups", NULL};
  PyObject *input_object = Py_None, *epoch_object = Py_None, *groups = Py_None, *result = NULL;
  double *inputs = NULL;
  swiftlr_value epoch;
  Py_ssize_t input_count = 0;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|OOO:_core_step", keywords, &input_object, &epoch_object, &groups)) {
    return NULL;
  }
  if (scheduler_enter(self, "_core_step", ENTER_CHANGE) < 0) return NULL;
  self->busy = 1;
  if (epoch_object != Py_None && shim_epoch(epoch_object, &epoch) < 0) goto done;
  if (input_object != Py_None &&
      shim_doubles_from_sequence(input_object, "inputs must be a sequence", &inputs, &input_count) < 0) {
    goto done;
  }
  PyObject *owned = groups != Py_None ? Py_NewRef(groups) : optimizer_groups(self);
  if (owned != NULL) {
    // With inputs given, no group inputs are read (a None leaves that to the groups).
    result = scheduler_step_groups(self, owned, inputs, input_count, epoch_object != Py_None ? &epoch : NULL,
                                   self->step_count, NULL);
    Py_DECREF(owned);
  }
done:
  self->busy = 0;
  scheduler_exit(self);
  PyMem_Free(inputs);
  return result;
}

int scheduler_step_ready(void) {
  PyObject **const slots[] = {&str_param_groups, &str_step, &str_wrapped, &str_opt_called, &str_step_inputs};
  const char *const names[] = {"param_groups", "step", "_wrapped_by_lr_sched", "_opt_called", "_step_inputs"};
  epoch_warning = PyUnicode_FromString(
      "The epoch parameter in `scheduler.step()` was not necessary and is being deprecated where possible. "
      "Please use `scheduler.step()` to step the scheduler. During the deprecation, if epoch is different from "
      "None, the closed form is used instead of the new chainable form, where available. Please open an issue "
      "if you are unable to replicate your use case: https://github.com/pytorch/pytorch/issues/new/choose.");
  order_warning = PyUnicode_FromString(
      "Detected call of `lr_scheduler.step()` before `optimizer.step()`. In PyTorch 1.1.0 and later, you should "
      "call them in the opposite order: `optimizer.step()` before `lr_scheduler.step()`.  Failure to do this "
      "will result in PyTorch skipping the first value of the learning rate schedule. See more details at "
      "https://pytorch.org/docs/stable/optim.html#how-to-adjust-learning-rate");
  overridden_warning = PyUnicode_FromString(
      "Seems like `optimizer.step()` has been overridden after learning rate scheduler initialization. Please, "
      "make sure to call `optimizer.step()` before `lr_scheduler.step()`. See more details at "
      "https://pytorch.org/docs/stable/optim.html#how-to-adjust-learning-rate");
  return shim_intern(slots, names, 5) < 0 || !(epoch_warning && order_warning && overridden_warning) ? -1 : 0;
}

/// The warning texts, for the Python layer (user subclasses step in Python).
int scheduler_add_warnings(PyObject *module) {
  if (PyModule_AddObjectRef(module, "EPOCH_DEPRECATION_WARNING", epoch_warning) < 0) return -1;
  if (PyModule_AddObjectRef(module, "STEP_ORDER_WARNING", order_warning) < 0) return -1;
  return PyModule_AddObjectRef(module, "OVERRIDDEN_STEP_WARNING", overridden_warning);
}
