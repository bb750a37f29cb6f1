// `_swiftlr.NativeScheduler`: the type, its lifetime and PyTorch's step
// bookkeeping attributes. See scheduler.h for what the other files hold.
#include "scheduler.h"

#include <limits.h>
#include <pthread.h>
#include <time.h>
#include <stddef.h>
#include <structmember.h>

// MARK: - The lock

/// Counts the `fork()`s this process descends from (the child's handler runs
/// alone, before any Python code): a lock made in an older generation may
/// be held by a thread the child does not have.
unsigned long scheduler_fork_generation = 1;

static void after_fork_in_child(void) { scheduler_fork_generation++; }

/// Waits, without the GIL, for another thread's call to give the lock back.
/// That call holds the lock only while it runs Python code (a lambda, a
/// mapping's method), so it needs nothing but the GIL, which the naps give
/// it; they grow from 20 us to 1 ms. A signal's Python handler runs between
/// naps (and may raise: then -1, without the lock).
static int wait_for_lock(SchedulerLock *lock) {
  long nap_us = 20;
  while (lock->owner != 0) {
    PyThreadState *thread = PyEval_SaveThread();
    struct timespec nap = {0, nap_us * 1000};
    nanosleep(&nap, NULL);
    PyEval_RestoreThread(thread);
    if (PyErr_CheckSignals() < 0) return -1;
    if (nap_us < 1000) nap_us *= 2;
  }
  return 0;
}

int scheduler_enter_waiting(NativeScheduler *self, const char *what, EnterMode mode) {
  // Every field of the lock is read and written holding the GIL: the lock
  // costs a step no atomic operation, only these few loads and stores.
  SchedulerLock *lock = &self->lock;
  if (lock->generation != scheduler_fork_generation) {
    // A parent's lock (or a new one): whatever thread held it is not in this process.
    lock->generation = scheduler_fork_generation;
    lock->owner = 0;
    lock->depth = 0;
    self->busy = 0;  // a step that was running in the parent never finishes here
  }
  unsigned long me = PyThread_get_thread_ident();
  if (lock->owner == me) {
    if (mode != ENTER_READ && self->busy) {
      PyErr_Format(PyExc_RuntimeError,
                   "cannot %s while the scheduler is in the middle of a step (called back from user code on the "
                   "thread that is stepping it)",
                   what);
      return -1;
    }
  } else {
    if (lock->owner != 0 && wait_for_lock(lock) < 0) return -1;
    lock->owner = me;
  }
  lock->depth++;
  if (self->core == NULL && mode != ENTER_BUILD) {
    scheduler_exit(self);
    PyErr_SetString(PyExc_RuntimeError, "the scheduler's core is not initialized");
    return -1;
  }
  return 0;
}

void scheduler_exit(NativeScheduler *self) {
  SchedulerLock *lock = &self->lock;
  if (--lock->depth == 0) lock->owner = 0;
}

/// `_exclusive(fn, *args, **kwargs)`: `fn(*args, **kwargs)` holding the lock
/// (a Python method made of several native calls, such as `state_dict()`,
/// is then atomic against other threads). Taken and given back here, so
/// that no exception, even one from a signal handler, can leave it held.
static PyObject *scheduler_exclusive(NativeScheduler *self, PyObject *args, PyObject *kwargs) {
  if (PyTuple_GET_SIZE(args) < 1 || !PyCallable_Check(PyTuple_GET_ITEM(args, 0))) {
    PyErr_SetString(PyExc_TypeError, "_exclusive(fn, *args, **kwargs) needs a callable");
    return NULL;
  }
  PyObject *rest = PyTuple_GetSlice(args, 1, PyTuple_GET_SIZE(args));
  if (rest == NULL) return NULL;
  PyObject *result = NULL;
  if (scheduler_enter(self, "use the scheduler", ENTER_READ) == 0) {
    result = PyObject_Call(PyTuple_GET_ITEM(args, 0), rest, kwargs);
    scheduler_exit(self);
  }
  Py_DECREF(rest);
  return result;
}

void scheduler_adopt(NativeScheduler *self, swiftlr_scheduler *core) {
  group_cache_clear(&self->cache);
  if (self->core != NULL) swiftlr_scheduler_free(self->core);
  self->core = core;
  self->group_count = (Py_ssize_t)swiftlr_scheduler_group_count(core);
}

// MARK: - Lifetime

static int core_init(NativeScheduler *self, PyObject *args, PyObject *kwargs) {
  static char *keywords[] = {"kind", "config", NULL};
  PyObject *kind = NULL, *dict = NULL;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|UO!:NativeScheduler", keywords, &kind, &PyDict_Type, &dict)) {
    return -1;
  }
  if (kind == NULL) return 0;
  if (dict == NULL) {
    PyErr_SetString(PyExc_TypeError, "NativeScheduler(kind, config) needs a config dict");
    return -1;
  }
  PyObject *init_args = Py_BuildValue("(OO)", kind, dict);
  if (init_args == NULL) return -1;
  PyObject *r = scheduler_init_core(self, init_args, NULL);
  Py_DECREF(init_args);
  if (r == NULL) return -1;
  Py_DECREF(r);
  return 0;
}

static int core_traverse(NativeScheduler *self, visitproc visit, void *arg) {
  Py_VISIT(self->optimizer);
  Py_VISIT(self->last_lr);
  Py_VISIT(self->config);
  return group_cache_traverse(&self->cache, visit, arg);
}

static int core_clear(NativeScheduler *self) {
  Py_CLEAR(self->optimizer);
  Py_CLEAR(self->last_lr);
  Py_CLEAR(self->config);
  group_cache_clear(&self->cache);
  return 0;
}

static void core_dealloc(NativeScheduler *self) {
  PyObject_GC_UnTrack(self);
  core_clear(self);
  Py_CLEAR(self->kind);
  Py_CLEAR(self->group_inputs);
  if (self->core != NULL) swiftlr_scheduler_free(self->core);
  self->core = NULL;
  Py_TYPE(self)->tp_free((PyObject *)self);
}

// MARK: - Step bookkeeping (PyTorch's attribute names)

static PyObject *get_step_count(NativeScheduler *self, void *Py_UNUSED(closure)) {
  return PyLong_FromLongLong(self->step_count);
}

/// `_step_count` is checked before it is stored: a value that does not fit
/// raises and leaves the old one (a plain T_LONGLONG member would store -1).
static int set_step_count(NativeScheduler *self, PyObject *value, void *Py_UNUSED(closure)) {
  if (value == NULL) {
    PyErr_SetString(PyExc_AttributeError, "cannot delete _step_count");
    return -1;
  }
  PyObject *index = PyNumber_Index(value);
  if (index == NULL) return -1;
  int overflow = 0;
  long long count = PyLong_AsLongLongAndOverflow(index, &overflow);
  Py_DECREF(index);
  if (count == -1 && PyErr_Occurred()) return -1;
  if (overflow) {
    PyErr_Format(PyExc_OverflowError, "_step_count must fit in a signed 64-bit integer, got %R", value);
    return -1;
  }
  if (scheduler_enter(self, "set _step_count", ENTER_CHANGE) < 0) return -1;  // after __index__, which is user code
  self->step_count = count;
  scheduler_exit(self);
  return 0;
}

static PyObject *get_flag(NativeScheduler *self, void *closure) {
  return PyBool_FromLong(*((char *)self + (Py_ssize_t)closure));
}

static int set_flag(NativeScheduler *self, PyObject *value, void *closure) {
  if (value == NULL) {
    PyErr_SetString(PyExc_AttributeError, "cannot delete a step flag");
    return -1;
  }
  int truth = PyObject_IsTrue(value);
  if (truth < 0 || scheduler_enter(self, "set a step flag", ENTER_CHANGE) < 0) return -1;
  *((char *)self + (Py_ssize_t)closure) = (char)truth;
  scheduler_exit(self);
  return 0;
}

static PyMethodDef core_methods[] = {
    {"step", (PyCFunction)(void (*)(void))scheduler_step, METH_FASTCALL | METH_KEYWORDS,
     "step($self, epoch=None)\n--\n\n"
     "PyTorch's scheduler.step(): sets each param group's next lr. Call it after\n"
     "optimizer.step(). A step that raises changes nothing."},
    {"_step_metrics", (PyCFunction)(void (*)(void))scheduler_step, METH_FASTCALL | METH_KEYWORDS,
     "_step_metrics($self, metrics, epoch=None)\n--\n\n"
     "ReduceLROnPlateau.step: records the metric and lowers each group's lr after\n"
     "`patience` epochs without improvement. A step that raises changes nothing."},
    {"_update_lr", (PyCFunction)(void (*)(void))scheduler_update_lr, METH_FASTCALL | METH_KEYWORDS,
     "_update_lr($self, epoch=None)\n--\n\n"
     "PyTorch's LRScheduler._update_lr: a step without warnings or _step_count."},
    {"_core_step", (PyCFunction)(void (*)(void))scheduler_core_step, METH_VARARGS | METH_KEYWORDS,
     "_core_step(inputs=None, epoch=None, groups=None) -> list[float]\n\n"
     "One step of the core over groups (default: the optimizer's param_groups);\n"
     "writes the new lrs (and momenta) and returns the new _last_lr."},
    {"_fast_forward", (PyCFunction)scheduler_fast_forward, METH_O,
     "_fast_forward(steps) -> None\n\n"
     "`steps` calls of step() in one native call (no warnings), as one transaction."},
    {"_init_core", (PyCFunction)(void (*)(void))scheduler_init_core, METH_VARARGS | METH_KEYWORDS,
     "_init_core(kind, config, *, group_inputs=(), momentum_key=None, step_kind='lr', python_inputs=False)\n\n"
     "Builds the Swift scheduler `kind` from `config` (its arguments plus 'base_lrs' and\n"
     "'last_epoch'). group_inputs: keys of each param group read as step inputs;\n"
     "momentum_key: where cycled momenta are written; step_kind: 'lr' (PyTorch's\n"
     "LRScheduler.step), 'metric' (step(metrics)) or 'plain' (no warnings, no _step_count);\n"
     "python_inputs: the class supplies step inputs from Python (_step_inputs(epoch))."},
    {"_core_lrs", (PyCFunction)scheduler_lrs, METH_VARARGS,
     "_core_lrs(current, closed_form=False) -> list[float]\n\n"
     "get_lr() (or the closed form) at the current last_epoch, without stepping."},
    {"_core_momenta", (PyCFunction)scheduler_momenta, METH_NOARGS,
     "_core_momenta() -> list[float] | None: each group's cycled momentum, if any."},
    {"_core_get", (PyCFunction)scheduler_get, METH_O, "_core_get(name) -> the field's value"},
    {"_core_update", (PyCFunction)scheduler_update, METH_O, "_core_update(fields: dict) -> None; all or nothing"},
    {"_core_copy", (PyCFunction)scheduler_copy, METH_NOARGS,
     "_core_copy() -> a bare NativeScheduler with the same state"},
    {"_core_assign", (PyCFunction)scheduler_assign, METH_O,
     "_core_assign(other) -> None: copy other's core state here"},
    {"_core_save", (PyCFunction)scheduler_save, METH_NOARGS,
     "_core_save() -> token: the core's state and step bookkeeping, for _core_restore"},
    {"_core_restore", (PyCFunction)scheduler_restore, METH_O,
     "_core_restore(token) -> None: put back the state _core_save saved from this scheduler"},
    {"_core_load", (PyCFunction)scheduler_load, METH_VARARGS,
     "_core_load(fields, members, attributes, updates=()) -> None\n\n"
     "load_state_dict's commit, all or nothing: the core's fields, the step bookkeeping\n"
     "(members: _step_count, _is_initial, _get_lr_called_within_step, _last_lr), the\n"
     "instance attributes, then each (dict, values) of updates; no Python code runs\n"
     "once the fields are converted."},
    {"_exclusive", (PyCFunction)(void (*)(void))scheduler_exclusive, METH_VARARGS | METH_KEYWORDS,
     "_exclusive(fn, *args, **kwargs) -> fn(*args, **kwargs), holding the scheduler's lock\n\n"
     "Other threads' calls wait meanwhile: a method of several calls is atomic."},
    {NULL, NULL, 0, NULL},
};

static PyMemberDef core_members[] = {
    {"optimizer", T_OBJECT_EX, offsetof(NativeScheduler, optimizer), 0, "the optimizer whose lrs are scheduled"},
    {"_last_lr", T_OBJECT_EX, offsetof(NativeScheduler, last_lr), 0, "the lrs of the last step"},
    {NULL, 0, 0, 0, NULL},
};

static PyGetSetDef core_getset[] = {
    {"_step_count", (getter)get_step_count, (setter)set_step_count, "PyTorch's _step_count", NULL},
    {"_is_initial", (getter)get_flag, (setter)set_flag, "PyTorch's _is_initial",
     (void *)offsetof(NativeScheduler, is_initial)},
    {"_get_lr_called_within_step", (getter)get_flag, (setter)set_flag, "PyTorch's _get_lr_called_within_step",
     (void *)offsetof(NativeScheduler, get_lr_called)},
    {"_core_fields", (getter)scheduler_fields, NULL, "names of the scheduler's fields", NULL},
    {"_core_config", (getter)scheduler_config, NULL, "a copy of the arguments the core was built from", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

PyTypeObject NativeScheduler_Type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "swiftlr._swiftlr.NativeScheduler",
    .tp_basicsize = sizeof(NativeScheduler),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC,
    .tp_doc =
        "NativeScheduler(kind=None, config=None)\n\n"
        "A scheduler of the Swift core, built from its PyTorch class name and a dict of its\n"
        "arguments plus 'base_lrs' and 'last_epoch'; the base class of swiftlr's schedulers.",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)core_init,
    .tp_dealloc = (destructor)core_dealloc,
    .tp_traverse = (traverseproc)core_traverse,
    .tp_clear = (inquiry)core_clear,
    .tp_methods = core_methods,
    .tp_members = core_members,
    .tp_getset = core_getset,
};

int shim_scheduler_ready(void) {
  static int registered;
  if (!registered && pthread_atfork(NULL, NULL, after_fork_in_child) != 0) {
    PyErr_SetString(PyExc_OSError, "pthread_atfork failed");
    return -1;
  }
  registered = 1;
  if (param_groups_ready() < 0 || scheduler_step_ready() < 0) return -1;
  return PyType_Ready(&NativeScheduler_Type);
}
