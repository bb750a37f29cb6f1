// The state half of `_swiftlr.NativeScheduler`: building the core, its fields
// by name, copies, and `get_lr()`'s values without stepping.
#include "scheduler.h"

#include <string.h>

static swiftlr_scheduler *build(const char *kind, PyObject *dict) {
  swiftlr_config *config = shim_config_from_dict(dict);
  if (config == NULL) return NULL;
  int32_t status = 0;
  swiftlr_message message;
  swiftlr_scheduler *core = swiftlr_scheduler_new(kind, config, &status, &message);
  swiftlr_config_free(config);
  if (core == NULL) shim_raise(status, &message);
  return core;
}

/// Where `_init_core`'s `momentum_key` sends cycled momenta.
static int momentum_target(PyObject *key, MomentumTarget *out) {
  if (key == Py_None)
    *out = MOMENTUM_NONE;
  else if (PyUnicode_Check(key) && PyUnicode_CompareWithASCIIString(key, "momentum") == 0)
    *out = MOMENTUM_KEY;
  else if (PyUnicode_Check(key) && PyUnicode_CompareWithASCIIString(key, "betas") == 0)
    *out = MOMENTUM_BETA1;
  else {
    PyErr_Format(PyExc_ValueError, "momentum_key must be None, 'momentum' or 'betas', got %R", key);
    return -1;
  }
  return 0;
}

static int parse_step_protocol(const char *name, StepProtocol *out) {
  if (strcmp(name, "lr") == 0)
    *out = STEP_LR;
  else if (strcmp(name, "metric") == 0)
    *out = STEP_METRIC;
  else if (strcmp(name, "plain") == 0)
    *out = STEP_PLAIN;
  else {
    PyErr_Format(PyExc_ValueError, "step_kind must be 'lr', 'metric' or 'plain', got '%s'", name);
    return -1;
  }
  return 0;
}

// _init_core(kind, config, *, group_inputs=(), momentum_key=None, step_kind="lr", python_inputs=False)
PyObject *scheduler_init_core(NativeScheduler *self, PyObject *args, PyObject *kwargs) {
  static char *keywords[] = {"kind", "config", "group_inputs", "momentum_key", "step_kind", "python_inputs", NULL};
  PyObject *kind, *dict, *group_inputs = NULL, *momentum_key = Py_None;
  const char *protocol_name = "lr";
  int python_inputs = 0;
  MomentumTarget target;
  StepProtocol protocol;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "UO!|$OOsp:_init_core", keywords, &kind, &PyDict_Type, &dict,
                                   &group_inputs, &momentum_key, &protocol_name, &python_inputs)) {
    return NULL;
  }
  if (momentum_target(momentum_key, &target) < 0 || parse_step_protocol(protocol_name, &protocol) < 0) return NULL;
  const char *kind_name = PyUnicode_AsUTF8(kind);
  if (kind_name == NULL) return NULL;
  PyObject *keys = group_inputs == NULL ? PyTuple_New(0) : PySequence_Tuple(group_inputs);
  PyObject *config = keys == NULL ? NULL : PyDict_Copy(dict);
  if (config == NULL) goto fail;
  for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(keys); i++) {
    if (!PyUnicode_Check(PyTuple_GET_ITEM(keys, i))) {
      PyErr_SetString(PyExc_TypeError, "group_inputs must be names (str)");
      goto fail;
    }
  }
  swiftlr_scheduler *core = build(kind_name, config);
  if (core == NULL) goto fail;
  // Taken after the conversion, which ran Python code (that may have started a step).
  if (scheduler_enter(self, "rebuild the scheduler", ENTER_BUILD) < 0) {
    swiftlr_scheduler_free(core);
    goto fail;
  }
  scheduler_adopt(self, core);
  Py_XSETREF(self->kind, Py_NewRef(kind));
  Py_XSETREF(self->config, config);
  Py_XSETREF(self->group_inputs, keys);
  self->momentum = target;
  self->step_protocol = protocol;
  self->python_inputs = (char)python_inputs;
  scheduler_exit(self);
  Py_RETURN_NONE;
fail:
  Py_XDECREF(keys);
  Py_XDECREF(config);
  return NULL;
}

// _core_lrs(current, closed_form=False) -> list[float]
PyObject *scheduler_lrs(NativeScheduler *self, PyObject *args) {
  PyObject *current, *result = NULL;
  int closed_form = 0;
  double *lrs = NULL;
  Py_ssize_t n = 0;
  if (!PyArg_ParseTuple(args, "O|p:_core_lrs", &current, &closed_form)) return NULL;
  if (shim_doubles_from_sequence(current, "lrs must be a sequence", &lrs, &n) < 0) return NULL;
  if (scheduler_enter(self, "read the scheduler", ENTER_READ) < 0) goto done;  // after the conversion's Python code
  swiftlr_message message;
  int32_t status = swiftlr_scheduler_lrs(self->core, lrs, n, closed_form, &message);
  scheduler_exit(self);
  if (status != SWIFTLR_OK) {
    shim_raise(status, &message);
    goto done;
  }
  result = shim_doubles_to_list(lrs, n);
done:
  PyMem_Free(lrs);
  return result;
}

// _core_momenta() -> list[float] | None
PyObject *scheduler_momenta(NativeScheduler *self, PyObject *Py_UNUSED(ignored)) {
  if (scheduler_enter(self, "read the scheduler", ENTER_READ) < 0) return NULL;
  Py_ssize_t n = self->group_count;
  double *values = PyMem_New(double, n > 0 ? (size_t)n : 1);
  PyObject *result = values == NULL                                     ? PyErr_NoMemory()
                     : swiftlr_scheduler_momenta(self->core, values, n) ? shim_doubles_to_list(values, n)
                                                                        : Py_NewRef(Py_None);
  PyMem_Free(values);
  scheduler_exit(self);
  return result;
}

// _core_get(name) -> value; AttributeError for an unknown name. Reading is
// allowed during a step (it sees the state the step started from).
static PyObject *get_field(NativeScheduler *self, PyObject *name);

PyObject *scheduler_get(NativeScheduler *self, PyObject *name) {
  if (scheduler_enter(self, "read the scheduler", ENTER_READ) < 0) return NULL;
  PyObject *result = get_field(self, name);
  scheduler_exit(self);
  return result;
}

static PyObject *get_field(NativeScheduler *self, PyObject *name) {
  const char *key = PyUnicode_AsUTF8(name);
  if (key == NULL) return NULL;
  // Lists and strings are copied into a buffer of ours: first a small one on
  // the stack, then one of the size the core asks for. No Python code runs
  // between the calls, and the core keeps no pointer into either.
  int64_t stack[32];
  swiftlr_value value;
  if (!swiftlr_scheduler_get(self->core, key, &value, stack, sizeof stack)) {
    return PyErr_Format(PyExc_AttributeError, "scheduler has no field %R", name);
  }
  int is_list = value.tag == SWIFTLR_INTS || value.tag == SWIFTLR_DOUBLES || value.tag == SWIFTLR_STRING;
  if (!is_list || value.ints != NULL || value.doubles != NULL || value.string != NULL) {
    return shim_value_to_object(&value);
  }
  if ((size_t)value.count > (size_t)PY_SSIZE_T_MAX / sizeof(int64_t)) return PyErr_NoMemory();
  size_t bytes = (size_t)value.count * sizeof(int64_t) + 1;
  void *heap = PyMem_Malloc(bytes);
  if (heap == NULL) return PyErr_NoMemory();
  PyObject *result;
  if (!swiftlr_scheduler_get(self->core, key, &value, heap, (int64_t)bytes) ||
      (value.ints == NULL && value.doubles == NULL && value.string == NULL)) {
    result = PyErr_Format(PyExc_RuntimeError, "field %R changed while it was read", name);
  } else {
    result = shim_value_to_object(&value);
  }
  PyMem_Free(heap);
  return result;
}

// _core_update(dict): sets all the named fields, or none.
PyObject *scheduler_update(NativeScheduler *self, PyObject *dict) {
  swiftlr_config *config = shim_config_from_dict(dict);
  if (config == NULL) return NULL;
  // Taken after the conversion's Python code (`__float__`), which may have started a step.
  if (scheduler_enter(self, "change the scheduler's state", ENTER_CHANGE) < 0) {
    swiftlr_config_free(config);
    return NULL;
  }
  swiftlr_message message;
  int32_t status = swiftlr_scheduler_update(self->core, config, &message);
  swiftlr_config_free(config);
  if (status == SWIFTLR_OK) group_cache_invalidate(&self->cache);
  scheduler_exit(self);
  if (status != SWIFTLR_OK) return shim_raise(status, &message);
  Py_RETURN_NONE;
}

/// A flag of a state dict, converted by the caller (`bool`: no Python code runs).
static int member_flag(PyObject *members, const char *name, char *out) {
  PyObject *value = PyDict_GetItemString(members, name);
  if (value == NULL) return 0;
  if (!PyBool_Check(value)) {
    PyErr_Format(PyExc_TypeError, "%s must be a bool, got %R", name, value);
    return -1;
  }
  *out = (char)(value == Py_True);
  return 1;
}

// _core_load(fields, members, attributes, updates=()): load_state_dict's
// commit. Everything that can fail or run Python code (the fields'
// conversion) comes first; then the core takes its fields (all or none),
// and what follows cannot fail: so an exception, even one a signal
// handler raises, leaves the whole old state or the whole new one.
PyObject *scheduler_load(NativeScheduler *self, PyObject *args) {
  PyObject *fields, *members, *attributes, *updates = NULL;
  if (!PyArg_ParseTuple(args, "O!O!O!|O!:_core_load", &PyDict_Type, &fields, &PyDict_Type, &members, &PyDict_Type,
                        &attributes, &PyTuple_Type, &updates)) {
    return NULL;
  }
  for (Py_ssize_t i = 0; updates != NULL && i < PyTuple_GET_SIZE(updates); i++) {
    PyObject *pair = PyTuple_GET_ITEM(updates, i);
    if (!PyTuple_Check(pair) || PyTuple_GET_SIZE(pair) != 2 || !PyDict_Check(PyTuple_GET_ITEM(pair, 0)) ||
        !PyDict_CheckExact(PyTuple_GET_ITEM(pair, 1))) {
      return PyErr_Format(PyExc_TypeError, "_core_load's updates are (dict, dict) pairs, got %R", pair);
    }
  }
  long long step_count = 0;
  char is_initial = 0, get_lr_called = 0;
  PyObject *count = PyDict_GetItemString(members, "_step_count");
  PyObject *last_lr = PyDict_GetItemString(members, "_last_lr");
  if (count != NULL && !PyLong_CheckExact(count)) return PyErr_Format(PyExc_TypeError, "_step_count must be an int");
  if (count != NULL && (step_count = PyLong_AsLongLong(count)) == -1 && PyErr_Occurred()) return NULL;
  int has_initial = member_flag(members, "_is_initial", &is_initial);
  int has_called = member_flag(members, "_get_lr_called_within_step", &get_lr_called);
  if (has_initial < 0 || has_called < 0) return NULL;
  swiftlr_config *config = shim_config_from_dict(fields);
  if (config == NULL) return NULL;
  if (scheduler_enter(self, "load a state", ENTER_CHANGE) < 0) {
    swiftlr_config_free(config);
    return NULL;
  }
  // Held here: the attribute dicts cannot go away while they are updated.
  PyObject *own = PyObject_GenericGetDict((PyObject *)self, NULL);
  if (own == NULL) {
    swiftlr_config_free(config);
    scheduler_exit(self);
    return NULL;
  }
  swiftlr_message message;
  int32_t status = swiftlr_scheduler_update(self->core, config, &message);
  swiftlr_config_free(config);
  int failed = status != SWIFTLR_OK;
  if (!failed) {
    group_cache_invalidate(&self->cache);
    if (count != NULL) self->step_count = step_count;
    if (has_initial) self->is_initial = is_initial;
    if (has_called) self->get_lr_called = get_lr_called;
    if (last_lr != NULL) Py_XSETREF(self->last_lr, Py_NewRef(last_lr));
    // Dict updates fail only out of memory (keys are strs); old values are
    // released after the new are in.
    failed = PyDict_Update(own, attributes) < 0;
    for (Py_ssize_t i = 0; !failed && updates != NULL && i < PyTuple_GET_SIZE(updates); i++) {
      PyObject *pair = PyTuple_GET_ITEM(updates, i);
      failed = PyDict_Update(PyTuple_GET_ITEM(pair, 0), PyTuple_GET_ITEM(pair, 1)) < 0;
    }
  }
  Py_DECREF(own);
  scheduler_exit(self);
  if (status != SWIFTLR_OK) return shim_raise(status, &message);
  if (failed) return NULL;
  Py_RETURN_NONE;
}

/// Copies the core and the step bookkeeping of `from` into `to`.
static void copy_state(NativeScheduler *to, NativeScheduler *from) {
  scheduler_adopt(to, swiftlr_scheduler_copy(from->core));
  Py_XSETREF(to->kind, Py_XNewRef(from->kind));
  Py_XSETREF(to->config, Py_XNewRef(from->config));
  Py_XSETREF(to->group_inputs, Py_XNewRef(from->group_inputs));
  to->momentum = from->momentum;
  to->step_protocol = from->step_protocol;
  to->step_count = from->step_count;
  to->is_initial = from->is_initial;
  to->get_lr_called = from->get_lr_called;
  to->python_inputs = from->python_inputs;
}

// _core_copy() -> NativeScheduler: an independent bare core with the same state.
PyObject *scheduler_copy(NativeScheduler *self, PyObject *Py_UNUSED(ignored)) {
  NativeScheduler *copy = (NativeScheduler *)NativeScheduler_Type.tp_alloc(&NativeScheduler_Type, 0);
  if (copy == NULL) return NULL;
  if (scheduler_enter(self, "copy the scheduler", ENTER_CHANGE) < 0) {
    Py_DECREF(copy);
    return NULL;
  }
  copy_state(copy, self);
  scheduler_exit(self);
  return (PyObject *)copy;
}

// _core_assign(other): takes a copy of other's core and step bookkeeping
// (deepcopy of a scheduler).
PyObject *scheduler_assign(NativeScheduler *self, PyObject *other) {
  if (!PyObject_TypeCheck(other, &NativeScheduler_Type)) {
    PyErr_SetString(PyExc_TypeError, "_core_assign needs a NativeScheduler");
    return NULL;
  }
  // A copy first, under the other's lock, then adopted under this one's:
  // never both locks at once (two threads assigning crosswise would deadlock).
  NativeScheduler *copy = (NativeScheduler *)scheduler_copy((NativeScheduler *)other, NULL);
  if (copy == NULL) return NULL;
  if (scheduler_enter(self, "replace the scheduler's state", ENTER_BUILD) < 0) {
    Py_DECREF(copy);
    return NULL;
  }
  copy_state(self, copy);
  scheduler_exit(self);
  Py_DECREF(copy);
  Py_RETURN_NONE;
}

PyObject *scheduler_fields(NativeScheduler *self, void *Py_UNUSED(closure)) {
  if (self->core == NULL) return PyErr_Format(PyExc_RuntimeError, "the scheduler's core is not initialized");
  int64_t n = swiftlr_scheduler_field_count(self->core);
  PyObject *names = PyTuple_New((Py_ssize_t)n);
  if (names == NULL) return NULL;
  for (int64_t i = 0; i < n; i++) {
    PyObject *name = PyUnicode_FromString(swiftlr_scheduler_field_name(self->core, i));
    if (name == NULL) {
      Py_DECREF(names);
      return NULL;
    }
    PyTuple_SET_ITEM(names, (Py_ssize_t)i, name);
  }
  return names;
}

/// A copy of the arguments the core was built from (None before `_init_core`).
PyObject *scheduler_config(NativeScheduler *self, void *Py_UNUSED(closure)) {
  return self->config == NULL ? Py_NewRef(Py_None) : PyDict_Copy(self->config);
}

// MARK: - Save and restore (a ChainedScheduler's rollback)

/// What `_core_save` keeps: the core's state (Swift's, by value) and the
/// step bookkeeping, for the core it came from only.
typedef struct {
  const swiftlr_scheduler *core;
  swiftlr_scheduler_saved *state;
  long long step_count;
  char is_initial, get_lr_called;
  PyObject *last_lr;
} SavedScheduler;

static const char saved_name[] = "swiftlr.saved_scheduler";

static void saved_free(SavedScheduler *saved) {
  swiftlr_scheduler_saved_free(saved->state);
  Py_XDECREF(saved->last_lr);
  PyMem_Free(saved);
}

static void saved_capsule_free(PyObject *capsule) { saved_free(PyCapsule_GetPointer(capsule, saved_name)); }

// _core_save() -> token: the state to put back with _core_restore. Cheaper
// than _core_copy (no new box): a ChainedScheduler saves each stage per step.
PyObject *scheduler_save(NativeScheduler *self, PyObject *Py_UNUSED(ignored)) {
  SavedScheduler *saved = PyMem_Malloc(sizeof *saved);
  if (saved == NULL) return PyErr_NoMemory();
  if (scheduler_enter(self, "save the scheduler", ENTER_READ) < 0) {
    PyMem_Free(saved);
    return NULL;
  }
  *saved = (SavedScheduler){.core = self->core,
                            .state = swiftlr_scheduler_save(self->core),
                            .step_count = self->step_count,
                            .is_initial = self->is_initial,
                            .get_lr_called = self->get_lr_called,
                            .last_lr = Py_XNewRef(self->last_lr)};
  scheduler_exit(self);
  PyObject *token = PyCapsule_New(saved, saved_name, saved_capsule_free);
  if (token == NULL) saved_free(saved);
  return token;
}

// _core_restore(token): puts back what _core_save saved from this core.
PyObject *scheduler_restore(NativeScheduler *self, PyObject *token) {
  SavedScheduler *saved = PyCapsule_GetPointer(token, saved_name);
  if (saved == NULL) return NULL;
  if (scheduler_enter(self, "restore the scheduler", ENTER_CHANGE) < 0) return NULL;
  if (saved->core != self->core) {
    scheduler_exit(self);
    PyErr_SetString(PyExc_ValueError, "_core_restore needs a state saved from this scheduler");
    return NULL;
  }
  swiftlr_scheduler_restore(self->core, saved->state);
  self->step_count = saved->step_count;
  self->is_initial = saved->is_initial;
  self->get_lr_called = saved->get_lr_called;
  PyObject *old = self->last_lr;
  self->last_lr = Py_XNewRef(saved->last_lr);
  scheduler_exit(self);
  Py_XDECREF(old);  // after the lock: a list's release may run Python code
  Py_RETURN_NONE;
}
