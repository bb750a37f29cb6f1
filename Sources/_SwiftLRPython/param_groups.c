// Reading and writing an optimizer's param groups: see param_groups.h.
#include "param_groups.h"

#include <stddef.h>
#include <string.h>

PyObject *group_str_fill, *group_str_clone, *group_str_betas, *group_str_momentum;

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
    step->precisions = step->stack_precisions;
  } else {
    step->slots = PyMem_Calloc((size_t)n, sizeof(GroupSlot));
    if (step->slots == NULL) goto fail;
    step->lrs = PyMem_New(double, (size_t)n);
    step->precisions = PyMem_New(int32_t, (size_t)n);
    if (step->lrs == NULL || step->precisions == NULL) goto fail;
  }
  if (keys > 0) {
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
  if (step->slots == NULL) return;
  for (Py_ssize_t i = 0; i < step->n; i++) {
    GroupSlot *slot = &step->slots[i];
    Py_XDECREF(slot->group);
    Py_XDECREF(slot->old_lr);
    Py_XDECREF(slot->new_lr);
    Py_XDECREF(slot->old_momentum);
  }
  if (step->slots != step->stack_slots) {
    PyMem_Free(step->slots);
    PyMem_Free(step->lrs);
    PyMem_Free(step->precisions);
  }
  PyMem_Free(step->inputs);
  step->slots = NULL;
  step->inputs = NULL;
}

// MARK: - Reading

int group_step_read(GroupStep *step, PyObject *param_groups, Py_ssize_t expected, PyObject *input_keys,
                    GroupCache *cache) {
  step->slots = NULL;
  PyObject *fast = PySequence_Fast(param_groups, "param_groups must be a sequence");
  if (fast == NULL) return -1;
  Py_ssize_t n = PySequence_Fast_GET_SIZE(fast);
  if (n != expected) {
    PyErr_Format(PyExc_ValueError, "the optimizer has %zd param groups, the scheduler was built for %zd", n, expected);
    Py_DECREF(fast);
    return -1;
  }
  Py_ssize_t keys = input_keys == NULL ? 0 : PyTuple_GET_SIZE(input_keys);
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

/// The new momentum value for `group`: a float, or `betas` with beta1 replaced.
static PyObject *momentum_value(PyObject *old_betas, double momentum, MomentumTarget target) {
  PyObject *value = PyFloat_FromDouble(momentum);
  if (value == NULL || target != MOMENTUM_BETA1) return value;
  PyObject *tuple = PySequence_Tuple(old_betas);
  PyObject *joined = NULL;
  if (tuple != NULL) {
    Py_ssize_t size = PyTuple_GET_SIZE(tuple);
    joined = PyTuple_New(size > 0 ? size : 1);
    if (joined != NULL) {
      PyTuple_SET_ITEM(joined, 0, Py_NewRef(value));
      for (Py_ssize_t k = 1; k < size; k++) PyTuple_SET_ITEM(joined, k, Py_NewRef(PyTuple_GET_ITEM(tuple, k)));
    }
  }
  Py_XDECREF(tuple);
  Py_DECREF(value);
  return joined;
}

static int write_momenta(GroupStep *step, const double *momenta, MomentumTarget target) {
  step->momentum = target;
  step->momentum_key = target == MOMENTUM_BETA1 ? group_str_betas : group_str_momentum;
  for (Py_ssize_t i = 0; i < step->n; i++) {
    PyObject *group = step->slots[i].group;
    PyObject *old = group_get(group, step->momentum_key);
    if (old == NULL) {
      // A group without `momentum` gets one (as PyTorch assigns it); betas must exist.
      if (target == MOMENTUM_BETA1 || !PyErr_ExceptionMatches(PyExc_KeyError)) return -1;
      PyErr_Clear();
    }
    PyObject *value = momentum_value(old, momenta[i], target);
    if (value == NULL) {
      Py_XDECREF(old);
      return -1;
    }
    step->slots[i].old_momentum = old;
    int failed = slot_set(&step->slots[i], step->momentum_key, value);
    Py_DECREF(value);
    if (failed) return -1;
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
  if (!PyFloat_Check(old) && !PyLong_Check(old)) {
    PyObject *fill = PyObject_GetAttr(old, group_str_fill);
    if (fill != NULL) {
      PyObject *number = PyFloat_FromDouble(lr);
      PyObject *r = number == NULL ? NULL : PyObject_CallOneArg(fill, number);
      Py_XDECREF(number);
      Py_DECREF(fill);
      if (r == NULL) return -1;
      Py_DECREF(r);
      step->written = i + 1;  // filled: undo fills the old value back
      step->slots[i].new_lr = PyObject_CallMethodNoArgs(old, group_str_clone);
      return step->slots[i].new_lr == NULL ? -1 : 0;
    }
    if (!PyErr_ExceptionMatches(PyExc_AttributeError)) return -1;
    PyErr_Clear();  // not a tensor: store a float, as PyTorch would assign
  }
  PyObject *value = PyFloat_FromDouble(lr);
  if (value == NULL) return -1;
  if (slot_set(&step->slots[i], shim_str_lr, value) < 0) {
    Py_DECREF(value);
    return -1;
  }
  step->written = i + 1;
  step->slots[i].new_lr = value;
  return 0;
}

int group_step_write(GroupStep *step, const double *momenta, MomentumTarget target) {
  if (momenta != NULL && target != MOMENTUM_NONE && write_momenta(step, momenta, target) < 0) goto fail;
  for (Py_ssize_t i = 0; i < step->n; i++) {
    if (write_lr(step, i) < 0) goto fail;
  }
  return 0;
fail:
  group_step_undo(step);
  return -1;
}

void group_step_undo(GroupStep *step) {
  PyObject *type, *value, *traceback;
  PyErr_Fetch(&type, &value, &traceback);
  for (Py_ssize_t i = step->written - 1; i >= 0; i--) {
    PyObject *old = step->slots[i].old_lr, *group = step->slots[i].group;
    int failed;
    if (PyFloat_Check(old) || PyLong_Check(old) || !PyObject_HasAttr(old, group_str_fill)) {
      failed = group_set(group, shim_str_lr, old);
    } else {
      PyObject *number = PyFloat_FromDouble(step->slots[i].old_value);
      PyObject *r = number == NULL ? NULL : PyObject_CallMethodOneArg(old, group_str_fill, number);
      Py_XDECREF(number);
      failed = r == NULL;
      Py_XDECREF(r);
    }
    if (failed) PyErr_Clear();  // best effort: the first error is the one to report
  }
  for (Py_ssize_t i = step->momenta_written - 1; i >= 0; i--) {
    PyObject *old = step->slots[i].old_momentum, *group = step->slots[i].group;
    int failed = old != NULL ? group_set(group, step->momentum_key, old) : PyObject_DelItem(group, step->momentum_key);
    if (failed) PyErr_Clear();
  }
  step->written = step->momenta_written = 0;
  PyErr_Restore(type, value, traceback);
}

PyObject *group_step_last_lr(GroupStep *step, PyObject *last) {
  Py_ssize_t n = step->n;
  if (last != NULL && PyList_CheckExact(last) && PyList_GET_SIZE(last) == n) {
    Py_ssize_t i = 0;
    while (i < n && PyList_GET_ITEM(last, i) == step->slots[i].new_lr) i++;
    if (i == n) return Py_NewRef(last);
  }
  PyObject *list = PyList_New(n);
  if (list == NULL) return NULL;
  for (Py_ssize_t i = 0; i < n; i++) PyList_SET_ITEM(list, i, Py_NewRef(step->slots[i].new_lr));
  return list;
}

int param_groups_ready(void) {
  group_str_fill = PyUnicode_InternFromString("fill_");
  group_str_clone = PyUnicode_InternFromString("clone");
  group_str_betas = PyUnicode_InternFromString("betas");
  group_str_momentum = PyUnicode_InternFromString("momentum");
  if (!(group_str_fill && group_str_clone && group_str_betas && group_str_momentum)) return -1;
  return group_cache_ready();
}
