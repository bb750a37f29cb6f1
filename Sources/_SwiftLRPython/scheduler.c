// `_swiftlr.SchedulerCore`: a Swift scheduler behind a Python object.
//
// One type serves every scheduler: it is built from the scheduler's name and
// a dict of arguments, steps an optimizer's `param_groups` in one call, and
// reads and writes the scheduler's state by name.
#include "shim.h"

typedef struct {
  PyObject_HEAD
  swiftlr_scheduler *core;
  int64_t group_count;
  int64_t input_count;
} SchedulerCore;

static PyObject *wrap(PyTypeObject *type, swiftlr_scheduler *core) {
  SchedulerCore *self = (SchedulerCore *)type->tp_alloc(type, 0);
  if (self == NULL) {
    swiftlr_scheduler_free(core);
    return NULL;
  }
  self->core = core;
  self->group_count = swiftlr_scheduler_group_count(core);
  self->input_count = swiftlr_scheduler_input_count(core);
  return (PyObject *)self;
}

static PyObject *core_new(PyTypeObject *type, PyObject *args, PyObject *kwargs) {
  static char *keywords[] = {"kind", "config", NULL};
  const char *kind;
  PyObject *dict;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "sO!:SchedulerCore", keywords, &kind, &PyDict_Type, &dict)) {
    return NULL;
  }
  swiftlr_config *config = shim_config_from_dict(dict);
  if (config == NULL) return NULL;
  int32_t status = 0;
  swiftlr_message message;
  swiftlr_scheduler *core = swiftlr_scheduler_new(kind, config, &status, &message);
  swiftlr_config_free(config);
  if (core == NULL) return shim_raise(status, &message);
  return wrap(type, core);
}

static void core_dealloc(SchedulerCore *self) {
  swiftlr_scheduler_free(self->core);
  Py_TYPE(self)->tp_free((PyObject *)self);
}

/// Writes `lr` into `group["lr"]`: a new float, or `fill_` for a tensor lr
/// (PyTorch's `_update_param_group_val`).
static int set_group_lr(PyObject *group, PyObject *old, double lr) {
  if (old != NULL && !PyFloat_Check(old) && !PyLong_Check(old) && PyObject_HasAttrString(old, "fill_")) {
    PyObject *r = PyObject_CallMethod(old, "fill_", "d", lr);
    Py_XDECREF(r);
    return r == NULL ? -1 : 0;
  }
  PyObject *value = PyFloat_FromDouble(lr);
  if (value == NULL) return -1;
  int r = PyObject_SetItem(group, shim_str_lr, value);
  Py_DECREF(value);
  return r;
}

// step(param_groups, inputs=None, epoch=None) -> list[float]
static PyObject *core_step(SchedulerCore *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames) {
  PyObject *result = NULL, *groups = NULL;
  PyObject **olds = NULL;
  double *lrs = NULL, *inputs = NULL;
  Py_ssize_t input_count = 0;
  Py_ssize_t n = 0;

  if (kwnames != NULL && PyTuple_GET_SIZE(kwnames) > 0) {
    PyErr_SetString(PyExc_TypeError, "SchedulerCore.step() takes positional arguments only");
    goto done;
  }
  if (nargs < 1 || nargs > 3) {
    PyErr_Format(PyExc_TypeError, "SchedulerCore.step() takes 1 to 3 arguments (%zd given)", nargs);
    goto done;
  }
  PyObject *input_object = nargs >= 2 ? args[1] : Py_None;
  PyObject *epoch_object = nargs >= 3 ? args[2] : Py_None;
  double epoch = 0;
  if (epoch_object != Py_None) {
    epoch = PyFloat_AsDouble(epoch_object);
    if (epoch == -1.0 && PyErr_Occurred()) goto done;
  }
  if (input_object != Py_None && shim_doubles_from_sequence(input_object, "inputs must be a sequence", &inputs, &input_count) < 0) {
    goto done;
  }

  groups = PySequence_Fast(args[0], "param_groups must be a sequence");
  if (groups == NULL) goto done;
  n = PySequence_Fast_GET_SIZE(groups);
  if (n != self->group_count) {
    PyErr_Format(PyExc_ValueError,
                 "the optimizer has %zd param groups, the scheduler was built for %lld",
                 n, (long long)self->group_count);
    goto done;
  }
  lrs = PyMem_New(double, n > 0 ? n : 1);
  olds = PyMem_New(PyObject *, n > 0 ? n : 1);
  if (lrs == NULL || olds == NULL) {
    PyErr_NoMemory();
    goto done;
  }
  for (Py_ssize_t i = 0; i < n; i++) olds[i] = NULL;
  PyObject **items = PySequence_Fast_ITEMS(groups);
  for (Py_ssize_t i = 0; i < n; i++) {
    olds[i] = PyObject_GetItem(items[i], shim_str_lr);
    if (olds[i] == NULL) goto done;
    lrs[i] = PyFloat_AsDouble(olds[i]);
    if (lrs[i] == -1.0 && PyErr_Occurred()) goto done;
  }

  swiftlr_message message;
  int32_t status = swiftlr_scheduler_step(self->core, lrs, n, inputs, input_count,
                                          epoch_object != Py_None, epoch, &message);
  if (status != SWIFTLR_OK) {
    shim_raise(status, &message);
    goto done;
  }
  result = PyList_New(n);
  if (result == NULL) goto done;
  for (Py_ssize_t i = 0; i < n; i++) {
    PyObject *value = PyFloat_FromDouble(lrs[i]);
    if (value == NULL || set_group_lr(items[i], olds[i], lrs[i]) < 0) {
      Py_XDECREF(value);
      Py_CLEAR(result);
      goto done;
    }
    PyList_SET_ITEM(result, i, value);
  }

done:
  if (olds != NULL) {
    for (Py_ssize_t i = 0; i < n; i++) Py_XDECREF(olds[i]);
  }
  PyMem_Free(olds);
  PyMem_Free(lrs);
  PyMem_Free(inputs);
  Py_XDECREF(groups);
  return result;
}

// lrs(current: sequence of float, closed_form: bool) -> list[float]
static PyObject *core_lrs(SchedulerCore *self, PyObject *args) {
  PyObject *current, *result = NULL;
  int closed_form = 0;
  double *lrs = NULL;
  Py_ssize_t n = 0;
  if (!PyArg_ParseTuple(args, "O|p:lrs", &current, &closed_form)) return NULL;
  if (shim_doubles_from_sequence(current, "lrs must be a sequence", &lrs, &n) < 0) return NULL;
  swiftlr_message message;
  int32_t status = swiftlr_scheduler_lrs(self->core, lrs, n, closed_form, &message);
  if (status != SWIFTLR_OK) {
    shim_raise(status, &message);
    goto done;
  }
  result = PyList_New(n);
  if (result == NULL) goto done;
  for (Py_ssize_t i = 0; i < n; i++) {
    PyObject *value = PyFloat_FromDouble(lrs[i]);
    if (value == NULL) {
      Py_CLEAR(result);
      goto done;
    }
    PyList_SET_ITEM(result, i, value);
  }
done:
  PyMem_Free(lrs);
  return result;
}

// momenta() -> list[float] | None: the momentum of each group at the current
// state, for schedulers that cycle it; None for the others.
static PyObject *core_momenta(SchedulerCore *self, PyObject *Py_UNUSED(ignored)) {
  Py_ssize_t n = (Py_ssize_t)self->group_count;
  double *values = PyMem_New(double, n > 0 ? n : 1);
  if (values == NULL) return PyErr_NoMemory();
  PyObject *result = NULL;
  if (!swiftlr_scheduler_momenta(self->core, values, self->group_count)) {
    result = Py_NewRef(Py_None);
    goto done;
  }
  result = PyList_New(n);
  if (result == NULL) goto done;
  for (Py_ssize_t i = 0; i < n; i++) {
    PyObject *value = PyFloat_FromDouble(values[i]);
    if (value == NULL) {
      Py_CLEAR(result);
      goto done;
    }
    PyList_SET_ITEM(result, i, value);
  }
done:
  PyMem_Free(values);
  return result;
}

// get(name) -> value; raises AttributeError for an unknown name.
static PyObject *core_get(SchedulerCore *self, PyObject *name) {
  const char *key = PyUnicode_AsUTF8(name);
  if (key == NULL) return NULL;
  swiftlr_value value;
  if (!swiftlr_scheduler_get(self->core, key, &value)) {
    PyErr_Format(PyExc_AttributeError, "scheduler has no field %R", name);
    return NULL;
  }
  return shim_value_to_object(&value);
}

// update(dict): sets all the named fields, or none.
static PyObject *core_update(SchedulerCore *self, PyObject *dict) {
  swiftlr_config *config = shim_config_from_dict(dict);
  if (config == NULL) return NULL;
  swiftlr_message message;
  int32_t status = swiftlr_scheduler_update(self->core, config, &message);
  swiftlr_config_free(config);
  if (status != SWIFTLR_OK) return shim_raise(status, &message);
  Py_RETURN_NONE;
}

// copy() -> SchedulerCore with the same state.
static PyObject *core_copy(SchedulerCore *self, PyObject *Py_UNUSED(ignored)) {
  return wrap(Py_TYPE(self), swiftlr_scheduler_copy(self->core));
}

static PyObject *core_fields(SchedulerCore *self, void *Py_UNUSED(closure)) {
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

static PyObject *core_input_count(SchedulerCore *self, void *Py_UNUSED(closure)) {
  return PyLong_FromLongLong(self->input_count);
}

static PyMethodDef core_methods[] = {
    {"step", (PyCFunction)(void (*)(void))core_step, METH_FASTCALL | METH_KEYWORDS,
     "step(param_groups, inputs=None, epoch=None) -> list[float]\n\n"
     "Advances the scheduler one step and writes each group's new lr into\n"
     "param_groups[i]['lr']. Returns the new lrs. On error nothing changes."},
    {"lrs", (PyCFunction)core_lrs, METH_VARARGS,
     "lrs(current, closed_form=False) -> list[float]\n\n"
     "get_lr() (or the closed form) at the current last_epoch, without stepping."},
    {"momenta", (PyCFunction)core_momenta, METH_NOARGS,
     "momenta() -> list[float] | None\n\n"
     "Each group's momentum at the current state, for schedulers that cycle it."},
    {"get", (PyCFunction)core_get, METH_O, "get(name) -> the field's value"},
    {"update", (PyCFunction)core_update, METH_O, "update(fields: dict) -> None; all or nothing"},
    {"copy", (PyCFunction)core_copy, METH_NOARGS, "copy() -> an independent core with the same state"},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef core_getset[] = {
    {"fields", (getter)core_fields, NULL, "names of the scheduler's fields", NULL},
    {"input_count", (getter)core_input_count, NULL, "values each step takes", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

PyTypeObject SchedulerCore_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "swiftlr._swiftlr.SchedulerCore",
    .tp_basicsize = sizeof(SchedulerCore),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "SchedulerCore(kind, config)\n\nA scheduler of the Swift core, built from its PyTorch class name and a\n"
              "dict of its arguments plus 'base_lrs' and 'last_epoch'.",
    .tp_new = core_new,
    .tp_dealloc = (destructor)core_dealloc,
    .tp_methods = core_methods,
    .tp_getset = core_getset,
};
