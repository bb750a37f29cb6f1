// `_swiftlr.SchedulerCore`: a Swift scheduler behind a Python object, and the
// base class of every swiftlr scheduler (`CoreScheduler` derives from it).
//
// One type serves every scheduler: it is built from the scheduler's name and
// a dict of arguments, reads and writes the scheduler's state by name, and
// steps an optimizer's `param_groups` in one call. `step()` itself is a C
// method: in the common case (no explicit epoch, not the first step after
// construction, no user function to call) a whole PyTorch `scheduler.step()`
// runs here without entering Python code; every other case goes to the
// Python method `_step_slow`, which keeps PyTorch's warnings and paths.
#include "shim.h"

#include <stddef.h>
#include <string.h>
#include <structmember.h>

/// Param groups handled without a heap allocation.
#define STACK_GROUPS 16

typedef struct {
  PyObject_HEAD
  swiftlr_scheduler *core;
  PyObject *optimizer;     // "optimizer"
  PyObject *last_lr;       // "_last_lr"
  PyObject *group_inputs;  // tuple of str: keys of each group read as step inputs
  PyObject *momentum_key;  // NULL, "momentum" or "betas": where cycled momenta go
  long long step_count;    // "_step_count"
  char is_initial;         // "_is_initial"
  char get_lr_called;      // "_get_lr_called_within_step"
  char metric_step;        // step(metrics, epoch=None), as ReduceLROnPlateau
  char python_inputs;      // the class computes its step inputs in Python
  int64_t group_count;
  int64_t input_count;
  struct GroupCache *cache;  // per group: what the last step read and wrote
  double *cache_inputs;      // per group: its group inputs, when cached
} SchedulerCore;

// MARK: - Group cache
//
// Reading every group's lr (and OneCycleLR's five group values) is most of a
// step's cost. CPython 3.11 stamps each dict with a new version on every
// change, so a group whose dict has the version it had after the last step
// still holds what that step wrote: its lr object and inputs are reused
// without a lookup. Any change to the dict, a replaced dict, a tensor or
// other mutable lr, or a failed step falls back to reading.

#if PY_VERSION_HEX < 0x030C0000
#define SHIM_DICT_VERSIONS 1
static inline uint64_t dict_version(PyObject *dict) { return ((PyDictObject *)dict)->ma_version_tag; }
#else
#define SHIM_DICT_VERSIONS 0  // ma_version_tag is deprecated from 3.12: always read
static inline uint64_t dict_version(PyObject *dict) { (void)dict; return 0; }
#endif

typedef struct GroupCache {
  PyObject *dict;    // the group (strong), compared by identity
  PyObject *lr;      // its lr after the step: an immutable number (strong)
  uint64_t version;  // the dict's version after the step
  int valid;
} GroupCache;

static void cache_clear(SchedulerCore *self) {
  if (self->cache != NULL) {
    for (int64_t i = 0; i < self->group_count; i++) {
      Py_CLEAR(self->cache[i].dict);
      Py_CLEAR(self->cache[i].lr);
    }
  }
  PyMem_Free(self->cache);
  PyMem_Free(self->cache_inputs);
  self->cache = NULL;
  self->cache_inputs = NULL;
}

static int is_immutable_number(PyObject *value) {
  return PyFloat_Check(value) || (PyLong_Check(value) && !PyBool_Check(value));
}

static inline int cache_hit(SchedulerCore *self, Py_ssize_t i, PyObject *group) {
  if (!SHIM_DICT_VERSIONS || self->cache == NULL) return 0;
  GroupCache *c = &self->cache[i];
  return c->valid && c->dict == group && PyDict_CheckExact(group) && dict_version(group) == c->version;
}

static PyObject *str_param_groups, *str_step_slow, *str_betas, *str_fill, *str_clone;

/// `group[key]` as a new reference; the dict fast path for plain dict groups.
static inline PyObject *group_get(PyObject *group, PyObject *key) {
  if (PyDict_CheckExact(group)) {
    PyObject *value = PyDict_GetItemWithError(group, key);
    if (value != NULL) return Py_NewRef(value);
    if (!PyErr_Occurred()) PyErr_SetObject(PyExc_KeyError, key);
    return NULL;
  }
  return PyObject_GetItem(group, key);
}

/// `group[key] = value`; the dict fast path for plain dict groups.
static inline int group_set(PyObject *group, PyObject *key, PyObject *value) {
  return PyDict_CheckExact(group) ? PyDict_SetItem(group, key, value) : PyObject_SetItem(group, key, value);
}

static int require_core(SchedulerCore *self) {
  if (self->core == NULL) {
    PyErr_SetString(PyExc_RuntimeError, "the scheduler's core is not initialized");
    return -1;
  }
  return 0;
}

static void adopt(SchedulerCore *self, swiftlr_scheduler *core) {
  cache_clear(self);
  if (self->core != NULL) swiftlr_scheduler_free(self->core);
  self->core = core;
  self->group_count = swiftlr_scheduler_group_count(core);
  self->input_count = swiftlr_scheduler_input_count(core);
}

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

// MARK: - Lifetime

static int core_init(SchedulerCore *self, PyObject *args, PyObject *kwargs) {
  static char *keywords[] = {"kind", "config", NULL};
  const char *kind = NULL;
  PyObject *dict = NULL;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|zO!:SchedulerCore", keywords, &kind, &PyDict_Type, &dict)) {
    return -1;
  }
  if (kind == NULL) return 0;
  if (dict == NULL) {
    PyErr_SetString(PyExc_TypeError, "SchedulerCore(kind, config) needs a config dict");
    return -1;
  }
  swiftlr_scheduler *core = build(kind, dict);
  if (core == NULL) return -1;
  adopt(self, core);
  return 0;
}

static int core_traverse(SchedulerCore *self, visitproc visit, void *arg) {
  Py_VISIT(self->optimizer);
  Py_VISIT(self->last_lr);
  Py_VISIT(self->group_inputs);
  Py_VISIT(self->momentum_key);
  if (self->cache != NULL) {
    for (int64_t i = 0; i < self->group_count; i++) {
      Py_VISIT(self->cache[i].dict);
      Py_VISIT(self->cache[i].lr);
    }
  }
  return 0;
}

static int core_clear(SchedulerCore *self) {
  Py_CLEAR(self->optimizer);
  Py_CLEAR(self->last_lr);
  Py_CLEAR(self->group_inputs);
  Py_CLEAR(self->momentum_key);
  cache_clear(self);
  return 0;
}

static void core_dealloc(SchedulerCore *self) {
  PyObject_GC_UnTrack(self);
  core_clear(self);
  if (self->core != NULL) swiftlr_scheduler_free(self->core);
  self->core = NULL;
  Py_TYPE(self)->tp_free((PyObject *)self);
}

// _init_core(kind, config, *, group_inputs=(), momentum_key=None,
//            metric_step=False, python_inputs=False)
static PyObject *core_init_core(SchedulerCore *self, PyObject *args, PyObject *kwargs) {
  static char *keywords[] = {"kind", "config", "group_inputs", "momentum_key", "metric_step", "python_inputs", NULL};
  const char *kind;
  PyObject *dict, *group_inputs = NULL, *momentum_key = Py_None;
  int metric_step = 0, python_inputs = 0;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "sO!|$OOpp:_init_core", keywords, &kind, &PyDict_Type, &dict,
                                   &group_inputs, &momentum_key, &metric_step, &python_inputs)) {
    return NULL;
  }
  PyObject *keys = group_inputs == NULL ? PyTuple_New(0) : PySequence_Tuple(group_inputs);
  if (keys == NULL) return NULL;
  for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(keys); i++) {
    if (!PyUnicode_Check(PyTuple_GET_ITEM(keys, i))) {
      Py_DECREF(keys);
      PyErr_SetString(PyExc_TypeError, "group_inputs must be names (str)");
      return NULL;
    }
  }
  if (momentum_key != Py_None && !PyUnicode_Check(momentum_key)) {
    Py_DECREF(keys);
    PyErr_SetString(PyExc_TypeError, "momentum_key must be None, 'momentum' or 'betas'");
    return NULL;
  }
  swiftlr_scheduler *core = build(kind, dict);
  if (core == NULL) {
    Py_DECREF(keys);
    return NULL;
  }
  adopt(self, core);
  Py_XSETREF(self->group_inputs, keys);
  Py_XSETREF(self->momentum_key, momentum_key == Py_None ? NULL : Py_NewRef(momentum_key));
  self->metric_step = (char)metric_step;
  self->python_inputs = (char)python_inputs;
  Py_RETURN_NONE;
}

// MARK: - Stepping

/// Whether two doubles are the same bits (so -0.0 differs from 0.0, and a NaN equals itself).
static inline int same_bits(double a, double b) {
  uint64_t x, y;
  memcpy(&x, &a, sizeof x);
  memcpy(&y, &b, sizeof y);
  return x == y;
}

/// Writes `lr` into `group["lr"]` and returns what `_last_lr` holds for it
/// (a new reference): the float in the group, or a clone of a tensor lr,
/// which is filled in place (PyTorch's `_update_param_group_val`). An
/// unchanged float stays the same object, so a step that changes nothing
/// writes nothing.
static PyObject *write_lr(PyObject *group, PyObject *old, double lr) {
  if (PyFloat_Check(old) || PyLong_Check(old)) {
    if (PyFloat_CheckExact(old) && same_bits(PyFloat_AS_DOUBLE(old), lr)) return Py_NewRef(old);
    PyObject *value = PyFloat_FromDouble(lr);
    if (value == NULL) return NULL;
    if (group_set(group, shim_str_lr, value) < 0) {
      Py_DECREF(value);
      return NULL;
    }
    return value;
  }
  PyObject *number = PyFloat_FromDouble(lr);
  if (number == NULL) return NULL;
  PyObject *r = PyObject_HasAttr(old, str_fill) ? PyObject_CallMethodObjArgs(old, str_fill, number, NULL) : NULL;
  Py_DECREF(number);
  if (r == NULL && PyErr_Occurred()) return NULL;
  if (r == NULL) {
    // Not a tensor: store a float, as PyTorch would assign.
    PyObject *value = PyFloat_FromDouble(lr);
    if (value == NULL || PyObject_SetItem(group, shim_str_lr, value) < 0) {
      Py_XDECREF(value);
      return NULL;
    }
    return value;
  }
  Py_DECREF(r);
  return PyObject_CallMethodObjArgs(old, str_clone, NULL);
}

/// Writes cycled momenta into each group: `momentum`, or beta1 of `betas`.
static int write_momenta(SchedulerCore *self, PyObject *const *groups, Py_ssize_t n) {
  if (self->momentum_key == NULL) return 0;
  double stack[STACK_GROUPS];
  double *momenta = n <= STACK_GROUPS ? stack : PyMem_New(double, n);
  if (momenta == NULL) {
    PyErr_NoMemory();
    return -1;
  }
  int result = 0;
  if (!swiftlr_scheduler_momenta(self->core, momenta, n)) goto done;
  int betas = PyUnicode_Compare(self->momentum_key, str_betas) == 0;
  for (Py_ssize_t i = 0; i < n && result == 0; i++) {
    PyObject *value = PyFloat_FromDouble(momenta[i]);
    if (value == NULL) {
      result = -1;
      break;
    }
    if (betas) {
      PyObject *old = PyObject_GetItem(groups[i], str_betas);
      PyObject *tuple = old == NULL ? NULL : PySequence_Tuple(old);
      PyObject *rest = tuple == NULL ? NULL : PyTuple_GetSlice(tuple, 1, PyTuple_GET_SIZE(tuple));
      PyObject *head = rest == NULL ? NULL : PyTuple_Pack(1, value);
      PyObject *joined = head == NULL ? NULL : PySequence_Concat(head, rest);
      if (joined == NULL || PyObject_SetItem(groups[i], str_betas, joined) < 0) result = -1;
      Py_XDECREF(old);
      Py_XDECREF(tuple);
      Py_XDECREF(rest);
      Py_XDECREF(head);
      Py_XDECREF(joined);
    } else if (group_set(groups[i], self->momentum_key, value) < 0) {
      result = -1;
    }
    Py_DECREF(value);
  }
done:
  if (momenta != stack) PyMem_Free(momenta);
  return result;
}

/// Reads `group[key]` for every key of one group into `out`; sets
/// `*immutable` to whether every value was an immutable number.
static int read_group_inputs(SchedulerCore *self, PyObject *group, double *out, int *immutable) {
  Py_ssize_t keys = PyTuple_GET_SIZE(self->group_inputs);
  *immutable = 1;
  for (Py_ssize_t k = 0; k < keys; k++) {
    PyObject *value = group_get(group, PyTuple_GET_ITEM(self->group_inputs, k));
    if (value == NULL) return -1;
    *immutable &= is_immutable_number(value);
    out[k] = PyFloat_CheckExact(value) ? PyFloat_AS_DOUBLE(value) : PyFloat_AsDouble(value);
    Py_DECREF(value);
    if (out[k] == -1.0 && PyErr_Occurred()) return -1;
  }
  return 0;
}

/// Remembers what the step left in each group (see "Group cache").
static void cache_store(SchedulerCore *self, PyObject *const *groups, Py_ssize_t n, PyObject *const *lrs,
                        const double *inputs, Py_ssize_t keys, const char *inputs_immutable) {
  if (!SHIM_DICT_VERSIONS) return;
  if (self->cache == NULL) {
    self->cache = PyMem_Calloc((size_t)n, sizeof(GroupCache));
    self->cache_inputs = keys > 0 ? PyMem_Calloc((size_t)(n * keys), sizeof(double)) : NULL;
    if (self->cache == NULL || (keys > 0 && self->cache_inputs == NULL)) {
      PyErr_Clear();  // a cache is an optimization: without memory, do without
      cache_clear(self);
      return;
    }
  }
  for (Py_ssize_t i = 0; i < n; i++) {
    GroupCache *c = &self->cache[i];
    // The common case: the step read this group from the cache and wrote nothing.
    if (c->valid && c->dict == groups[i] && c->lr == lrs[i] && dict_version(groups[i]) == c->version) continue;
    c->valid = 0;
    Py_CLEAR(c->dict);
    Py_CLEAR(c->lr);
    if (!PyDict_CheckExact(groups[i]) || !is_immutable_number(lrs[i]) || (keys > 0 && !inputs_immutable[i])) continue;
    c->dict = Py_NewRef(groups[i]);
    c->lr = Py_NewRef(lrs[i]);
    c->version = dict_version(groups[i]);
    if (keys > 0) memcpy(&self->cache_inputs[i * keys], &inputs[i * keys], (size_t)keys * sizeof(double));
    c->valid = 1;
  }
}

static void cache_invalidate(SchedulerCore *self) {
  if (self->cache == NULL) return;
  for (int64_t i = 0; i < self->group_count; i++) self->cache[i].valid = 0;
}

/// A new list of `n` references, or `last` itself when it already holds
/// exactly these objects (an unchanged step allocates nothing).
static PyObject *last_lr_list(PyObject *last, PyObject *const *values, Py_ssize_t n) {
  if (last != NULL && PyList_CheckExact(last) && PyList_GET_SIZE(last) == n) {
    Py_ssize_t i = 0;
    while (i < n && PyList_GET_ITEM(last, i) == values[i]) i++;
    if (i == n) return Py_NewRef(last);
  }
  PyObject *list = PyList_New(n);
  if (list == NULL) return NULL;
  for (Py_ssize_t i = 0; i < n; i++) PyList_SET_ITEM(list, i, Py_NewRef(values[i]));
  return list;
}

/// One step of the core over `groups_object` (param groups): reads each lr
/// (and the group inputs, unless `inputs` are given), steps, writes the new
/// lrs and momenta back. Returns the new `_last_lr` list. On failure before
/// the core has stepped, nothing changes.
static PyObject *step_groups(SchedulerCore *self, PyObject *groups_object, const double *inputs,
                             Py_ssize_t input_count, int has_epoch, double epoch) {
  PyObject *result = NULL, *groups = NULL;
  PyObject *old_stack[STACK_GROUPS], *new_stack[STACK_GROUPS];
  double lr_stack[STACK_GROUPS];
  char immutable_stack[STACK_GROUPS];
  int32_t precision_stack[STACK_GROUPS];
  int32_t *precisions = precision_stack;  // each lr's dtype (SWIFTLR_LR_*)
  int tensor_lrs = 0;
  PyObject **olds = old_stack, **news = new_stack;
  double *lrs = lr_stack, *group_values = NULL;
  char *inputs_immutable = immutable_stack;
  Py_ssize_t n = 0, held = 0, written = 0, keys = 0;

  if (require_core(self) < 0) goto done;
  groups = PySequence_Fast(groups_object, "param_groups must be a sequence");
  if (groups == NULL) goto done;
  n = PySequence_Fast_GET_SIZE(groups);
  if (n != self->group_count) {
    PyErr_Format(PyExc_ValueError, "the optimizer has %zd param groups, the scheduler was built for %lld",
                 n, (long long)self->group_count);
    goto done;
  }
  if (n > STACK_GROUPS) {
    olds = PyMem_New(PyObject *, n);
    news = PyMem_New(PyObject *, n);
    lrs = PyMem_New(double, n);
    inputs_immutable = PyMem_New(char, n);
    precisions = PyMem_New(int32_t, n);
    if (olds == NULL || news == NULL || lrs == NULL || inputs_immutable == NULL || precisions == NULL) {
      PyErr_NoMemory();
      goto done;
    }
  }
  keys = inputs == NULL && self->group_inputs != NULL ? PyTuple_GET_SIZE(self->group_inputs) : 0;
  if (keys > 0) {
    group_values = PyMem_New(double, n * keys);
    if (group_values == NULL) {
      PyErr_NoMemory();
      goto done;
    }
  }
  PyObject **items = PySequence_Fast_ITEMS(groups);
  for (; held < n; held++) {
    PyObject *group = items[held];
    if (cache_hit(self, held, group)) {
      olds[held] = Py_NewRef(self->cache[held].lr);
      // An immutable number: the conversion cannot fail.
      lrs[held] = PyFloat_CheckExact(olds[held]) ? PyFloat_AS_DOUBLE(olds[held]) : PyFloat_AsDouble(olds[held]);
      precisions[held] = SWIFTLR_LR_FLOAT64;
      if (keys > 0) {
        memcpy(&group_values[held * keys], &self->cache_inputs[held * keys], (size_t)keys * sizeof(double));
        inputs_immutable[held] = 1;
      }
      continue;
    }
    olds[held] = group_get(group, shim_str_lr);
    if (olds[held] == NULL) goto done;
    lrs[held] = PyFloat_CheckExact(olds[held]) ? PyFloat_AS_DOUBLE(olds[held]) : PyFloat_AsDouble(olds[held]);
    if (lrs[held] == -1.0 && PyErr_Occurred()) {
      held++;
      goto done;
    }
    precisions[held] = is_immutable_number(olds[held]) ? SWIFTLR_LR_FLOAT64 : shim_lr_precision(olds[held]);
    if (precisions[held] < 0) {
      held++;
      goto done;
    }
    tensor_lrs |= precisions[held] != SWIFTLR_LR_FLOAT64;
    if (keys > 0) {
      int immutable = 0;
      if (read_group_inputs(self, group, &group_values[held * keys], &immutable) < 0) {
        held++;
        goto done;
      }
      inputs_immutable[held] = (char)immutable;
    }
  }
  if (keys > 0) {
    inputs = group_values;
    input_count = n * keys;
  }

  swiftlr_message message;
  // Tensor lrs of a narrower dtype round each operation to it; floats take the specialized path.
  int32_t status = tensor_lrs ? swiftlr_scheduler_step_precise(self->core, lrs, n, precisions, inputs, input_count,
                                                               has_epoch, epoch, self->step_count, self->is_initial,
                                                               &message)
                              : swiftlr_scheduler_step(self->core, lrs, n, inputs, input_count, has_epoch, epoch,
                                                       self->step_count, self->is_initial, &message);
  if (status != SWIFTLR_OK) {
    shim_raise(status, &message);
    goto done;
  }
  if (write_momenta(self, items, n) < 0) goto done;
  for (; written < n; written++) {
    news[written] = write_lr(items[written], olds[written], lrs[written]);
    if (news[written] == NULL) goto done;
  }
  result = last_lr_list(self->last_lr, news, n);
  if (result != NULL) cache_store(self, items, n, news, group_values, keys, inputs_immutable);

done:
  if (result == NULL) cache_invalidate(self);
  for (Py_ssize_t i = 0; i < held; i++) Py_XDECREF(olds[i]);
  for (Py_ssize_t i = 0; i < written; i++) Py_XDECREF(news[i]);
  if (olds != old_stack) PyMem_Free(olds);
  if (news != new_stack) PyMem_Free(news);
  if (lrs != lr_stack) PyMem_Free(lrs);
  if (inputs_immutable != immutable_stack) PyMem_Free(inputs_immutable);
  if (precisions != precision_stack) PyMem_Free(precisions);
  PyMem_Free(group_values);
  Py_XDECREF(groups);
  return result;
}

static PyObject *optimizer_groups(SchedulerCore *self) {
  if (self->optimizer == NULL) {
    PyErr_SetString(PyExc_AttributeError, "the scheduler has no optimizer");
    return NULL;
  }
  return PyObject_GetAttr(self->optimizer, str_param_groups);
}

/// The fast path of `step()`; returns 1 done, 0 not applicable, -1 error.
static int fast_step(SchedulerCore *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames) {
  if (self->core == NULL || (kwnames != NULL && PyTuple_GET_SIZE(kwnames) > 0)) return 0;
  double metric = 0;
  const double *inputs = NULL;
  Py_ssize_t input_count = 0;
  if (self->metric_step) {
    if (nargs != 1) return 0;
    // PyTorch: current = float(metrics)
    metric = PyFloat_CheckExact(args[0]) ? PyFloat_AS_DOUBLE(args[0]) : -1.0;
    if (!PyFloat_CheckExact(args[0])) {
      PyObject *number = PyNumber_Float(args[0]);
      if (number == NULL) return -1;
      metric = PyFloat_AS_DOUBLE(number);
      Py_DECREF(number);
    }
    inputs = &metric;
    input_count = 1;
  } else if (nargs != 0 || self->step_count == 1 || self->python_inputs || self->step_count == LLONG_MAX) {
    // The first step after construction checks the optimizer's step order
    // (a warning); explicit epochs warn too; user functions run in Python.
    return 0;
  }
  PyObject *groups = optimizer_groups(self);
  if (groups == NULL) return -1;
  if (!self->metric_step) self->step_count++;
  PyObject *last = step_groups(self, groups, inputs, input_count, 0, 0.0);
  Py_DECREF(groups);
  if (last == NULL) {
    if (!self->metric_step) self->step_count--;  // a failed step changes nothing
    return -1;
  }
  Py_XSETREF(self->last_lr, last);
  return 1;
}

// step(*args): PyTorch's scheduler.step(), in C where it can be.
static PyObject *core_step(SchedulerCore *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames) {
  int done = fast_step(self, args, nargs, kwnames);
  if (done < 0) return NULL;
  if (done > 0) Py_RETURN_NONE;
  PyObject *slow = PyObject_GetAttr((PyObject *)self, str_step_slow);
  if (slow == NULL) return NULL;
  PyObject *result = PyObject_Vectorcall(slow, args, (size_t)nargs, kwnames);
  Py_DECREF(slow);
  return result;
}

// _core_step(inputs=None, epoch=None, groups=None) -> list: one step of the
// core over `groups` (default: the optimizer's), with this object's
// `_step_count` and `_is_initial`. Returns the new `_last_lr`.
static PyObject *core_core_step(SchedulerCore *self, PyObject *args, PyObject *kwargs) {
  static char *keywords[] = {"inputs", "epoch", "groups", NULL};
  PyObject *input_object = Py_None, *epoch_object = Py_None, *groups = Py_None, *result = NULL;
  double *inputs = NULL, epoch = 0;
  Py_ssize_t input_count = 0;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|OOO:_core_step", keywords, &input_object, &epoch_object, &groups)) {
    return NULL;
  }
  if (epoch_object != Py_None) {
    if (PyLong_Check(epoch_object)) {
      // Epochs cross the ABI as doubles (fractional ones too): an integer
      // that a double cannot hold exactly is refused rather than rounded.
      int overflow = 0;
      long long e = PyLong_AsLongLongAndOverflow(epoch_object, &overflow);
      if (e == -1 && PyErr_Occurred()) return NULL;
      epoch = (double)e;
      if (overflow || epoch >= 9223372036854775808.0 || (long long)epoch != e) {
        PyErr_Format(PyExc_OverflowError,
                     "epoch %R cannot be represented exactly: use an epoch below 2**53 in magnitude", epoch_object);
        return NULL;
      }
    } else {
      epoch = PyFloat_AsDouble(epoch_object);
      if (epoch == -1.0 && PyErr_Occurred()) return NULL;
    }
  }
  if (input_object != Py_None &&
      shim_doubles_from_sequence(input_object, "inputs must be a sequence", &inputs, &input_count) < 0) {
    return NULL;
  }
  PyObject *owned = groups == Py_None ? optimizer_groups(self) : Py_NewRef(groups);
  if (owned != NULL) {
    result = step_groups(self, owned, inputs, input_count, epoch_object != Py_None, epoch);
    Py_DECREF(owned);
  }
  PyMem_Free(inputs);
  return result;
}

// MARK: - State

// _core_lrs(current, closed_form=False) -> list[float]
static PyObject *core_lrs(SchedulerCore *self, PyObject *args) {
  PyObject *current, *result = NULL;
  int closed_form = 0;
  double *lrs = NULL;
  Py_ssize_t n = 0;
  if (require_core(self) < 0 || !PyArg_ParseTuple(args, "O|p:_core_lrs", &current, &closed_form)) return NULL;
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

// _core_momenta() -> list[float] | None
static PyObject *core_momenta(SchedulerCore *self, PyObject *Py_UNUSED(ignored)) {
  if (require_core(self) < 0) return NULL;
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

// _core_get(name) -> value; AttributeError for an unknown name.
static PyObject *core_get(SchedulerCore *self, PyObject *name) {
  if (require_core(self) < 0) return NULL;
  const char *key = PyUnicode_AsUTF8(name);
  if (key == NULL) return NULL;
  swiftlr_value value;
  if (!swiftlr_scheduler_get(self->core, key, &value)) {
    PyErr_Format(PyExc_AttributeError, "scheduler has no field %R", name);
    return NULL;
  }
  return shim_value_to_object(&value);
}

// _core_update(dict): sets all the named fields, or none.
static PyObject *core_update(SchedulerCore *self, PyObject *dict) {
  if (require_core(self) < 0) return NULL;
  swiftlr_config *config = shim_config_from_dict(dict);
  if (config == NULL) return NULL;
  swiftlr_message message;
  int32_t status = swiftlr_scheduler_update(self->core, config, &message);
  swiftlr_config_free(config);
  if (status != SWIFTLR_OK) return shim_raise(status, &message);
  Py_RETURN_NONE;
}

/// Copies the core and the step bookkeeping of `from` into `to`.
static void copy_state(SchedulerCore *to, SchedulerCore *from) {
  adopt(to, swiftlr_scheduler_copy(from->core));
  Py_XSETREF(to->group_inputs, Py_XNewRef(from->group_inputs));
  Py_XSETREF(to->momentum_key, Py_XNewRef(from->momentum_key));
  to->step_count = from->step_count;
  to->is_initial = from->is_initial;
  to->get_lr_called = from->get_lr_called;
  to->metric_step = from->metric_step;
  to->python_inputs = from->python_inputs;
}

// _core_copy() -> SchedulerCore: an independent bare core with the same state.
static PyObject *core_copy(SchedulerCore *self, PyObject *Py_UNUSED(ignored)) {
  if (require_core(self) < 0) return NULL;
  SchedulerCore *copy = (SchedulerCore *)SchedulerCore_Type.tp_alloc(&SchedulerCore_Type, 0);
  if (copy == NULL) return NULL;
  copy_state(copy, self);
  return (PyObject *)copy;
}

// _core_assign(other): takes a copy of other's core and step bookkeeping
// (deepcopy of a scheduler).
static PyObject *core_assign(SchedulerCore *self, PyObject *other) {
  if (!PyObject_TypeCheck(other, &SchedulerCore_Type)) {
    PyErr_SetString(PyExc_TypeError, "_core_assign needs a SchedulerCore");
    return NULL;
  }
  if (require_core((SchedulerCore *)other) < 0) return NULL;
  copy_state(self, (SchedulerCore *)other);
  Py_RETURN_NONE;
}

static PyObject *core_fields(SchedulerCore *self, void *Py_UNUSED(closure)) {
  if (require_core(self) < 0) return NULL;
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

// MARK: - Type

static PyMethodDef core_methods[] = {
    {"_init_core", (PyCFunction)(void (*)(void))core_init_core, METH_VARARGS | METH_KEYWORDS,
     "_init_core(kind, config, *, group_inputs=(), momentum_key=None, metric_step=False, python_inputs=False)\n\n"
     "Builds the Swift scheduler `kind` from `config` (its arguments plus 'base_lrs' and\n"
     "'last_epoch'). group_inputs: keys of each param group read as step inputs;\n"
     "momentum_key: where cycled momenta are written; metric_step: step(metrics);\n"
     "python_inputs: the class supplies step inputs from Python (_step_inputs)."},
    {"step", (PyCFunction)(void (*)(void))core_step, METH_FASTCALL | METH_KEYWORDS,
     "step(epoch=None), or step(metrics, epoch=None) for a metric scheduler.\n\n"
     "PyTorch's scheduler.step(): sets each param group's next lr."},
    {"_core_step", (PyCFunction)(void (*)(void))core_core_step, METH_VARARGS | METH_KEYWORDS,
     "_core_step(inputs=None, epoch=None, groups=None) -> list[float]\n\n"
     "One step of the core over groups (default: the optimizer's param_groups);\n"
     "writes the new lrs (and momenta) and returns the new _last_lr."},
    {"_core_lrs", (PyCFunction)core_lrs, METH_VARARGS,
     "_core_lrs(current, closed_form=False) -> list[float]\n\n"
     "get_lr() (or the closed form) at the current last_epoch, without stepping."},
    {"_core_momenta", (PyCFunction)core_momenta, METH_NOARGS,
     "_core_momenta() -> list[float] | None: each group's cycled momentum, if any."},
    {"_core_get", (PyCFunction)core_get, METH_O, "_core_get(name) -> the field's value"},
    {"_core_update", (PyCFunction)core_update, METH_O, "_core_update(fields: dict) -> None; all or nothing"},
    {"_core_copy", (PyCFunction)core_copy, METH_NOARGS, "_core_copy() -> a bare SchedulerCore with the same state"},
    {"_core_assign", (PyCFunction)core_assign, METH_O, "_core_assign(other) -> None: copy other's core state here"},
    {NULL, NULL, 0, NULL},
};

static PyMemberDef core_members[] = {
    {"optimizer", T_OBJECT_EX, offsetof(SchedulerCore, optimizer), 0, "the optimizer whose lrs are scheduled"},
    {"_last_lr", T_OBJECT_EX, offsetof(SchedulerCore, last_lr), 0, "the lrs of the last step"},
    {"_step_count", T_LONGLONG, offsetof(SchedulerCore, step_count), 0, "PyTorch's _step_count"},
    {"_is_initial", T_BOOL, offsetof(SchedulerCore, is_initial), 0, "PyTorch's _is_initial"},
    {"_get_lr_called_within_step", T_BOOL, offsetof(SchedulerCore, get_lr_called), 0,
     "PyTorch's _get_lr_called_within_step"},
    {NULL, 0, 0, 0, NULL},
};

static PyGetSetDef core_getset[] = {
    {"_core_fields", (getter)core_fields, NULL, "names of the scheduler's fields", NULL},
    {"_core_input_count", (getter)core_input_count, NULL, "values each step takes", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

PyTypeObject SchedulerCore_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "swiftlr._swiftlr.SchedulerCore",
    .tp_basicsize = sizeof(SchedulerCore),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC,
    .tp_doc = "SchedulerCore(kind=None, config=None)\n\n"
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
  str_param_groups = PyUnicode_InternFromString("param_groups");
  str_step_slow = PyUnicode_InternFromString("_step_slow");
  str_betas = PyUnicode_InternFromString("betas");
  str_fill = PyUnicode_InternFromString("fill_");
  str_clone = PyUnicode_InternFromString("clone");
  if (!str_param_groups || !str_step_slow || !str_betas || !str_fill || !str_clone) return -1;
  return PyType_Ready(&SchedulerCore_Type);
}
