// The step transaction's reads and writes of an optimizer's param groups:
// see param_groups.h. Every write of a group's lr or momentum, by a step or
// by Python code (`_swiftlr.write_group`), is made here.
#include "param_groups.h"

#include <stddef.h>
#include <string.h>

static PyObject *str_fill, *str_clone;
PyObject *group_str_betas, *group_str_momentum;

// MARK: - Access to one group

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

/// A step's write into its group: a plain dict's version follows the step's
/// own writes, and a change made by someone else since the step read it
/// leaves the group untracked (not cached).
static int slot_set(GroupSlot *slot, PyObject *key, PyObject *value) {
  PyObject *group = slot->group;
  if (!PyDict_CheckExact(group)) return PyObject_SetItem(group, key, value);
  if (group_dict_version(group) != slot->version) slot->tracked = 0;
  int r = group_dict_set(group, key, value);
  slot->version = group_dict_version(group);
  return r;
}

/// `float(value)`; -1 with an exception set (the value may run Python code).
static inline int as_double(PyObject *value, double *out) {
  *out = PyFloat_CheckExact(value) ? PyFloat_AS_DOUBLE(value) : PyFloat_AsDouble(value);
  return (*out == -1.0 && PyErr_Occurred()) ? -1 : 0;
}

// MARK: - A step's storage

static int allocate(GroupStep *step, Py_ssize_t n, Py_ssize_t keys) {
  memset(step, 0, offsetof(GroupStep, stack_slots));
  step->n = n;
  step->keys = keys;
  if (n <= GROUP_STEP_STACK) {
    memset(step->stack_slots, 0, (size_t)n * sizeof(GroupSlot));  // release walks these n
    step->slots = step->stack_slots;
    step->lrs = step->stack_lrs;
    step->momenta = step->stack_momenta;
    step->precisions = step->stack_precisions;
    if (n * keys <= GROUP_STEP_STACK * GROUP_STEP_STACK_INPUTS) step->inputs = step->stack_inputs;
  } else {
    step->slots = PyMem_Calloc((size_t)n, sizeof(GroupSlot));
    if (step->slots == NULL) goto fail;
    step->lrs = PyMem_New(double, (size_t)n);
    step->momenta = PyMem_New(double, (size_t)n);
    step->precisions = PyMem_New(int32_t, (size_t)n);
    if (step->lrs == NULL || step->momenta == NULL || step->precisions == NULL) goto fail;
  }
  if (keys > 0 && step->inputs == NULL) {
    if ((size_t)n > (size_t)PY_SSIZE_T_MAX / sizeof(double) / (size_t)keys) goto fail;
    step->inputs = PyMem_New(double, (size_t)(n * keys));
    if (step->inputs == NULL) goto fail;
  }
  return 0;
fail:
  PyErr_NoMemory();
  return -1;
}

void group_step_release(GroupStep *step) {
  if (step->slots == NULL) return;  // read from the cache: nothing owned, nothing allocated
  for (Py_ssize_t i = 0; i < step->n; i++) {
    GroupSlot *slot = &step->slots[i];
    Py_XDECREF(slot->group);
    Py_XDECREF(slot->old_lr);
    Py_XDECREF(slot->new_lr);
    Py_XDECREF(slot->old_momentum);
    Py_XDECREF(slot->new_momentum);
  }
  if (step->slots != step->stack_slots) {
    PyMem_Free(step->slots);
    PyMem_Free(step->lrs);
    PyMem_Free(step->momenta);
    PyMem_Free(step->precisions);
  }
  if (step->inputs != step->stack_inputs) PyMem_Free(step->inputs);
  step->slots = NULL;
  step->inputs = NULL;
}

// MARK: - Reading

int group_step_read(GroupStep *step, PyObject *param_groups, Py_ssize_t expected, PyObject *input_keys,
                    GroupCache *cache) {
  step->slots = NULL;
  Py_ssize_t keys = input_keys == NULL ? 0 : PyTuple_GET_SIZE(input_keys);
  PyObject *fast = PySequence_Fast(param_groups, "param_groups must be a sequence");
  if (fast == NULL) return -1;
  Py_ssize_t n = PySequence_Fast_GET_SIZE(fast);
  if (n != expected) {
    PyErr_Format(PyExc_ValueError, "the optimizer has %zd param groups, the scheduler was built for %zd", n, expected);
    Py_DECREF(fast);
    return -1;
  }
  if (allocate(step, n, keys) < 0) {
    Py_DECREF(fast);
    return -1;
  }
  // Own every group before any Python code can run and change the list.
  PyObject **items = PySequence_Fast_ITEMS(fast);
  for (Py_ssize_t i = 0; i < n; i++) step->slots[i].group = Py_NewRef(items[i]);
  Py_DECREF(fast);

  for (Py_ssize_t i = 0; i < n; i++) {
    PyObject *group = step->slots[i].group;
    double *inputs = keys > 0 ? &step->inputs[i * keys] : NULL;
    if (PyDict_CheckExact(group)) {
      // Its version before anything is read: a change by Python code from here on leaves it uncached.
      if (group_watch(group) < 0) {
        PyErr_Clear();
      } else {
        step->slots[i].tracked = 1;
      }
      step->slots[i].version = group_dict_version(group);
    }
    if (group_cache_hit(cache, i, group, keys)) {
      step->slots[i].old_lr = Py_NewRef(cache->entries[i].lr);
      if (as_double(step->slots[i].old_lr, &step->slots[i].old_value) < 0) return -1;  // an int too large
      step->lrs[i] = step->slots[i].old_value;
      if (keys > 0) memcpy(inputs, &cache->inputs[i * keys], (size_t)keys * sizeof(double));
      step->slots[i].immutable = 1;
      step->precisions[i] = SWIFTLR_LR_FLOAT64;
      continue;
    }
    step->slots[i].old_lr = group_get(group, shim_str_lr);
    if (step->slots[i].old_lr == NULL || as_double(step->slots[i].old_lr, &step->slots[i].old_value) < 0) return -1;
    step->lrs[i] = step->slots[i].old_value;
    int immutable = group_immutable_number(step->slots[i].old_lr);
    step->precisions[i] = immutable ? SWIFTLR_LR_FLOAT64 : shim_lr_precision(step->slots[i].old_lr);
    if (step->precisions[i] < 0) return -1;
    step->tensor_lrs |= step->precisions[i] != SWIFTLR_LR_FLOAT64;
    for (Py_ssize_t k = 0; k < keys; k++) {
      PyObject *value = group_get(group, PyTuple_GET_ITEM(input_keys, k));
      if (value == NULL) return -1;
      immutable &= group_immutable_number(value);
      int failed = as_double(value, &inputs[k]);
      Py_DECREF(value);
      if (failed) return -1;
    }
    step->slots[i].immutable = (char)immutable;
  }
  return 0;
}

// MARK: - Writing

/// `betas` with beta1 replaced by `beta1` (a new tuple).
static PyObject *with_beta1(PyObject *betas, PyObject *beta1) {
  PyObject *tuple = PySequence_Tuple(betas);
  if (tuple == NULL) return NULL;
  Py_ssize_t size = PyTuple_GET_SIZE(tuple);
  PyObject *joined = PyTuple_New(size > 0 ? size : 1);
  if (joined != NULL) {
    PyTuple_SET_ITEM(joined, 0, Py_NewRef(beta1));
    for (Py_ssize_t k = 1; k < size; k++) PyTuple_SET_ITEM(joined, k, Py_NewRef(PyTuple_GET_ITEM(tuple, k)));
  }
  Py_DECREF(tuple);
  return joined;
}

/// Fills a tensor lr in place with `number` (PyTorch's `_update_param_group_val`):
/// 1 when filled, 0 when `lr` is no tensor (no `fill_`), -1 with an exception set.
static int fill_tensor(PyObject *lr, PyObject *number) {
  if (PyFloat_Check(lr) || PyLong_Check(lr)) return 0;
  PyObject *fill = PyObject_GetAttr(lr, str_fill);
  if (fill == NULL) {
    if (!PyErr_ExceptionMatches(PyExc_AttributeError)) return -1;
    PyErr_Clear();
    return 0;
  }
  PyObject *r = PyObject_CallOneArg(fill, number);
  Py_DECREF(fill);
  if (r == NULL) return -1;
  Py_DECREF(r);
  return 1;
}

PyObject *group_momentum_value(PyObject *old_betas, double momentum, MomentumTarget target) {
  PyObject *value = PyFloat_FromDouble(momentum);
  if (value == NULL || target != MOMENTUM_BETA1) return value;
  PyObject *joined = with_beta1(old_betas, value);
  Py_DECREF(value);
  return joined;
}

static int write_momenta(GroupStep *step, const double *momenta, MomentumTarget target) {
  step->momentum = target;
  step->momentum_key = group_momentum_key(target);
  for (Py_ssize_t i = 0; i < step->n; i++) {
    PyObject *group = step->slots[i].group;
    PyObject *old = group_get(group, step->momentum_key);
    if (old == NULL) {
      // A group without `momentum` gets one (as PyTorch assigns it); betas must exist.
      if (target == MOMENTUM_BETA1 || !PyErr_ExceptionMatches(PyExc_KeyError)) return -1;
      PyErr_Clear();
    }
    PyObject *value = group_momentum_value(old, momenta[i], target);
    if (value == NULL) {
      Py_XDECREF(old);
      return -1;
    }
    step->slots[i].old_momentum = old;
    step->slots[i].new_momentum = value;
    if (slot_set(&step->slots[i], step->momentum_key, value) < 0) return -1;
    step->momenta_written = i + 1;
  }
  return 0;
}

/// Writes `lr` into group `i`; sets `new_lrs[i]` to what `_last_lr` holds
/// for it: the float in the group, or a clone of a tensor lr, which is filled
/// in place (PyTorch's `_update_param_group_val`). An unchanged float stays
/// the same object, so a step that changes nothing writes nothing.
static int write_lr(GroupStep *step, Py_ssize_t i) {
  PyObject *old = step->slots[i].old_lr;
  double lr = step->lrs[i];
  if (PyFloat_CheckExact(old) && group_same_bits(PyFloat_AS_DOUBLE(old), lr)) {
    step->slots[i].new_lr = Py_NewRef(old);
    return 0;
  }
  PyObject *value = PyFloat_FromDouble(lr);
  int filled = value == NULL ? -1 : step->slots[i].immutable ? 0 : fill_tensor(old, value);
  if (filled != 0) {
    Py_XDECREF(value);
    if (filled < 0) return -1;
    step->written = i + 1;  // filled: undo fills the old value back
    step->slots[i].new_lr = PyObject_CallMethodNoArgs(old, str_clone);
    return step->slots[i].new_lr == NULL ? -1 : 0;
  }
  if (slot_set(&step->slots[i], shim_str_lr, value) < 0) {
    Py_DECREF(value);
    return -1;
  }
  step->written = i + 1;
  step->slots[i].new_lr = value;
  return 0;
}

/// Puts back every write the step made, keeping the current exception (the
/// first error is the one reported; a failed put-back is best effort).
static void undo(GroupStep *step) {
  PyObject *type, *value, *traceback;
  PyErr_Fetch(&type, &value, &traceback);
  for (Py_ssize_t i = step->written - 1; i >= 0; i--) {
    PyObject *old = step->slots[i].old_lr, *number = PyFloat_FromDouble(step->slots[i].old_value);
    int filled = number == NULL ? -1 : fill_tensor(old, number);
    Py_XDECREF(number);
    if ((filled == 0 && group_set(step->slots[i].group, shim_str_lr, old) < 0) || filled < 0) PyErr_Clear();
  }
  for (Py_ssize_t i = step->momenta_written - 1; i >= 0; i--) {
    PyObject *old = step->slots[i].old_momentum, *group = step->slots[i].group;
    int failed = old != NULL ? group_set(group, step->momentum_key, old) : PyObject_DelItem(group, step->momentum_key);
    if (failed) PyErr_Clear();
  }
  step->written = step->momenta_written = 0;
  PyErr_Restore(type, value, traceback);
}

PyObject *group_step_write(GroupStep *step, const double *momenta, MomentumTarget target, PyObject *last) {
  Py_ssize_t n = step->n, same = 0;
  if (momenta != NULL && target != MOMENTUM_NONE && write_momenta(step, momenta, target) < 0) goto fail;
  for (Py_ssize_t i = 0; i < n; i++) {
    if (write_lr(step, i) < 0) goto fail;
  }
  // `_last_lr`: the objects the groups now hold (a clone of a tensor lr).
  if (last != NULL && PyList_CheckExact(last) && PyList_GET_SIZE(last) == n) {
    while (same < n && PyList_GET_ITEM(last, same) == step->slots[same].new_lr) same++;
  }
  if (same == n) return Py_NewRef(last);
  PyObject *list = PyList_New(n);
  if (list == NULL) goto fail;
  for (Py_ssize_t i = 0; i < n; i++) PyList_SET_ITEM(list, i, Py_NewRef(step->slots[i].new_lr));
  return list;
fail:
  undo(step);
  return NULL;
}

// MARK: - Python's writes

PyObject *shim_write_group(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
  (void)module;
  if (nargs != 3) {
    PyErr_Format(PyExc_TypeError, "write_group() takes 3 arguments (%zd given)", nargs);
    return NULL;
  }
  PyObject *group = args[0], *key = args[1], *value = args[2], *old = NULL, *number = NULL, *written = NULL;
  int failed = -1;
  if (!PyUnicode_Check(key)) {
    PyErr_Format(PyExc_TypeError, "write_group() key must be a str, got %R", key);
    return NULL;
  }
  if (PyUnicode_CompareWithASCIIString(key, "beta1") == 0) {
    if ((old = group_get(group, group_str_betas)) == NULL || (written = with_beta1(old, value)) == NULL) goto done;
    failed = group_set(group, group_str_betas, written);
  } else {
    int filled = 0;
    if (PyUnicode_Compare(key, shim_str_lr) == 0 && (old = group_get(group, key)) == NULL) {
      if (!PyErr_ExceptionMatches(PyExc_KeyError)) goto done;
      PyErr_Clear();  // no lr yet: it is assigned
    }
    if (old != NULL && !PyFloat_Check(old) && !PyLong_Check(old)) {
      filled = (number = PyNumber_Float(value)) == NULL ? -1 : fill_tensor(old, number);
      if (filled < 0) goto done;
    }
    failed = filled ? 0 : group_set(group, key, value);
  }
done:
  Py_XDECREF(old);
  Py_XDECREF(number);
  Py_XDECREF(written);
  return failed ? NULL : Py_NewRef(Py_None);
}

int param_groups_ready(void) {
  str_fill = PyUnicode_InternFromString("fill_");
  str_clone = PyUnicode_InternFromString("clone");
  group_str_betas = PyUnicode_InternFromString("betas");
  group_str_momentum = PyUnicode_InternFromString("momentum");
  if (!(str_fill && str_clone && group_str_betas && group_str_momentum)) return -1;
  return group_cache_ready();
}
