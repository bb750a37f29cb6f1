// The step transaction (`scheduler_step_groups`): read the param groups, run
// the core's rule, write the groups, then commit or undo every write (see
// param_groups.h); and Python's writes of a group's lr or momentum (`write_group`).
#include "scheduler.h"

#include <stddef.h>
#include <string.h>

/// Param groups (and group inputs per group) a step handles without a heap allocation.
#define STACK_GROUPS 8
#define STACK_INPUTS 6
/// Bytes of a step's arrays over `n` groups of `keys` inputs (see `lay_out`).
#define STEP_BYTES(n, keys) \
  ((size_t)(n) * (sizeof(GroupSlot) + (size_t)(2 + (keys)) * sizeof(double) + sizeof(int32_t)))

static PyObject *str_fill, *str_clone, *str_betas, *str_momentum;

typedef struct {
  Py_ssize_t n, keys;
  GroupSlot *slots;     // the step's own, or the cache's (`borrowed`)
  double *lrs;          // the lrs the core reads and replaces
  double *momenta;      // room for the momenta the core cycles
  int32_t *precisions;  // per group: the lr's dtype (SWIFTLR_LR_*)
  double *inputs;       // n * keys group inputs (the cache's when borrowed), or NULL
  char borrowed;        // read from the cache: the slots and their references are the cache's
  char tensor_lrs;      // some lr is a tensor of a dtype narrower than float64
  Py_ssize_t touched;   // slots a write may have given new values
  Py_ssize_t lrs_written, momenta_written;
  PyObject *momentum_key;                                                 // borrowed interned "momentum" / "betas"
  double stack[STEP_BYTES(STACK_GROUPS, STACK_INPUTS) / sizeof(double)];  // the arrays when they fit
} GroupStep;

/// Points the step's arrays into `block`: lrs, momenta, inputs, slots, precisions.
static void lay_out(GroupStep *step, double *block) {
  step->lrs = block;
  step->momenta = block + step->n;
  step->inputs = step->momenta + step->n;
  step->slots = (GroupSlot *)(step->inputs + step->n * step->keys);
  step->precisions = (int32_t *)(step->slots + step->n);
}

// MARK: - Access to one group

/// A step's write: a plain dict's version follows the step's own writes, and a
/// change by someone else since the step read it leaves the group untracked.
static int slot_set(GroupSlot *slot, PyObject *key, PyObject *value) {
  PyObject *group = slot->dict;
  if (!PyDict_CheckExact(group)) return PyObject_SetItem(group, key, value);
  if (group_dict_version(group) != slot->version) slot->tracked = 0;
  int r = group_dict_set(group, key, value);
  slot->version = group_dict_version(group);
  return r;
}

/// `float(value)`; -1 with an exception set (the value may run Python code).
static int as_double(PyObject *value, double *out) {
  *out = PyFloat_CheckExact(value) ? PyFloat_AS_DOUBLE(value) : PyFloat_AsDouble(value);
  return (*out == -1.0 && PyErr_Occurred()) ? -1 : 0;
}

/// Whether two doubles are the same bits (-0.0 is not 0.0; a NaN is itself).
static int same_bits(double a, double b) {
  uint64_t x, y;
  memcpy(&x, &a, sizeof x);
  memcpy(&y, &b, sizeof y);
  return x == y;
}

/// A number that no Python code can change: a float or an int (not a bool).
static int immutable_number(PyObject *value) {
  return PyFloat_Check(value) || (PyLong_Check(value) && !PyBool_Check(value));
}

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
  PyObject *fill, *r;
  if (PyFloat_Check(lr) || PyLong_Check(lr)) return 0;
  int found = PyObject_GetOptionalAttr(lr, str_fill, &fill);
  if (found <= 0) return found;
  r = PyObject_CallOneArg(fill, number);
  Py_DECREF(fill);
  Py_XDECREF(r);
  return r == NULL ? -1 : 1;
}

// MARK: - Reading

/// Reads each group's lr and `group[key]` for each of `input_keys` (a tuple
/// of str, or NULL) as floats. The cache is the read policy: over a list of
/// the cached groups, each unchanged since with a float lr (an ordinary step),
/// the step takes the cache's slots and reads nothing, running no Python
/// code (its lrs and momenta in the stack block, which holds them for dozens
/// of groups); else it reads every group. -1 with an exception set; release the step either way.
static int read_groups(GroupStep *step, PyObject *param_groups, Py_ssize_t n, PyObject *input_keys, GroupCache *cache) {
  Py_ssize_t keys = input_keys == NULL ? 0 : PyTuple_GET_SIZE(input_keys), i = 0;
  if (cache->count == n && cache->keys == keys && 2 * n <= (Py_ssize_t)(sizeof step->stack / sizeof(double)) &&
      PyList_CheckExact(param_groups) && PyList_GET_SIZE(param_groups) == n) {
    for (; i < n; i++) {
      const GroupSlot *c = &cache->slots[i];
      if (!c->tracked || c->dict != PyList_GET_ITEM(param_groups, i) || !PyFloat_CheckExact(c->lr) ||
          group_dict_version(c->dict) != c->version) {
        break;
      }
      step->stack[i] = PyFloat_AS_DOUBLE(c->lr);
    }
    if (i == n) {  // the fields a step over the cache's slots reads (no memset: most of a step's own cost is here)
      step->n = n, step->keys = keys, step->slots = cache->slots, step->lrs = step->stack;
      step->momenta = step->stack + n, step->inputs = cache->inputs;  // the rule runs no Python code
      step->borrowed = 1, step->tensor_lrs = 0, step->touched = step->lrs_written = step->momenta_written = 0;
      return 0;
    }
  }
  memset(step, 0, offsetof(GroupStep, stack));
  step->n = n, step->keys = keys;
  PyObject *fast = PySequence_Fast(param_groups, "param_groups must be a sequence");
  if (fast == NULL) return -1;
  if (PySequence_Fast_GET_SIZE(fast) != n) {
    PyErr_Format(PyExc_ValueError, "the optimizer has %zd param groups, the scheduler was built for %zd",
                 PySequence_Fast_GET_SIZE(fast), n);
    Py_DECREF(fast);
    return -1;
  }
  int fits = n <= STACK_GROUPS && n * keys <= STACK_GROUPS * STACK_INPUTS;
  double *block = step->stack;
  if (!fits && ((size_t)keys > (size_t)PY_SSIZE_T_MAX / 16 / (size_t)n ||
                (block = PyMem_Calloc(1, STEP_BYTES(n, keys))) == NULL)) {
    Py_DECREF(fast);
    PyErr_NoMemory();
    return -1;
  }
  lay_out(step, block);
  if (fits) memset(step->slots, 0, (size_t)n * sizeof(GroupSlot));  // release walks these n
  // Own every group before any Python code can run and change the list.
  for (i = 0; i < n; i++) step->slots[i].dict = Py_NewRef(PySequence_Fast_ITEMS(fast)[i]);
  Py_DECREF(fast);

  for (i = 0; i < n; i++) {
    GroupSlot *s = &step->slots[i];
    double *inputs = keys > 0 ? &step->inputs[i * keys] : NULL;
    if (PyDict_CheckExact(s->dict)) {
      // Its version before anything is read: a change by Python code from here on leaves it uncached.
      s->tracked = group_watch(s->dict) == 0;
      if (!s->tracked) PyErr_Clear();
      s->version = group_dict_version(s->dict);
    }
    if ((s->lr = shim_group_item(s->dict, shim_str_lr)) == NULL || as_double(s->lr, &s->old_value) < 0) return -1;
    step->lrs[i] = s->old_value;
    int immutable = immutable_number(s->lr);
    step->precisions[i] = immutable ? SWIFTLR_LR_FLOAT64 : shim_lr_precision(s->lr);
    if (step->precisions[i] < 0) return -1;
    step->tensor_lrs |= step->precisions[i] != SWIFTLR_LR_FLOAT64;
    for (Py_ssize_t k = 0; k < keys; k++) {
      PyObject *value = shim_group_item(s->dict, PyTuple_GET_ITEM(input_keys, k));
      if (value == NULL) return -1;
      immutable &= immutable_number(value);
      int failed = as_double(value, &inputs[k]);
      Py_DECREF(value);
      if (failed) return -1;
    }
    s->immutable = (char)immutable;
  }
  return 0;
}

// MARK: - Writing

/// Writes cycled momentum `value` into group `i`: `group["momentum"]` (a
/// group without one gets one, as PyTorch assigns it) or beta1 of `betas`.
static int write_momentum(GroupStep *step, Py_ssize_t i, double value, MomentumTarget target) {
  GroupSlot *s = &step->slots[i];
  if (s->momentum == NULL && (s->momentum = shim_group_item(s->dict, step->momentum_key)) == NULL) {
    if (target == MOMENTUM_BETA1 || !PyErr_ExceptionMatches(PyExc_KeyError)) return -1;
    PyErr_Clear();
  }
  step->touched = i + 1;
  if ((s->new_momentum = PyFloat_FromDouble(value)) == NULL) return -1;
  if (target == MOMENTUM_BETA1) Py_SETREF(s->new_momentum, with_beta1(s->momentum, s->new_momentum));
  if (s->new_momentum == NULL || slot_set(s, step->momentum_key, s->new_momentum) < 0) return -1;
  step->momenta_written = i + 1;
  return 0;
}

/// Writes group `i`'s new lr: a float into the group, or a tensor lr filled
/// in place (its clone is what `_last_lr` holds).
static int write_lr(GroupStep *step, Py_ssize_t i) {
  GroupSlot *s = &step->slots[i];
  if (step->touched <= i) step->touched = i + 1;
  PyObject *value = PyFloat_FromDouble(step->lrs[i]);
  int filled = value == NULL ? -1 : s->immutable ? 0 : fill_tensor(s->lr, value);
  if (filled != 0) {
    Py_XDECREF(value);
    if (filled < 0) return -1;
    s->filled = 1;
    step->lrs_written = i + 1;
    return (s->new_lr = PyObject_CallMethodNoArgs(s->lr, str_clone)) == NULL ? -1 : 0;
  }
  s->new_lr = value;
  if (slot_set(s, shim_str_lr, value) < 0) return -1;
  step->lrs_written = i + 1;
  return 0;
}

/// Puts back every write the step made, keeping the current exception (the
/// first error is the one reported; a failed put-back is best effort).
static void undo(GroupStep *step) {
  PyObject *type, *value, *traceback;
  PyErr_Fetch(&type, &value, &traceback);
  for (Py_ssize_t i = step->lrs_written - 1; i >= 0; i--) {
    GroupSlot *s = &step->slots[i];
    PyObject *number = s->filled ? PyFloat_FromDouble(s->old_value) : NULL;
    if (number != NULL) fill_tensor(s->lr, number);
    if (!s->filled && s->new_lr != NULL) PyObject_SetItem(s->dict, shim_str_lr, s->lr);
    Py_XDECREF(number);
    PyErr_Clear();
  }
  for (Py_ssize_t i = step->momenta_written - 1; i >= 0; i--) {
    GroupSlot *s = &step->slots[i];
    if (s->momentum != NULL) PyObject_SetItem(s->dict, step->momentum_key, s->momentum);
    if (s->momentum == NULL) PyObject_DelItem(s->dict, step->momentum_key);
    PyErr_Clear();
  }
  PyErr_Restore(type, value, traceback);
}

/// The write's fast path, an ordinary step's: whether a step over the
/// cache's slots that cycles no momentum leaves every lr's bits as they were,
/// with `last` holding the groups' lrs (then nothing is written or released).
static int unchanged(const GroupStep *step, int cycled, PyObject *last) {
  if (!step->borrowed || cycled || last == NULL || !PyList_CheckExact(last) || PyList_GET_SIZE(last) != step->n)
    return 0;
  for (Py_ssize_t i = 0; i < step->n; i++) {
    PyObject *lr = step->slots[i].lr;  // an exact float: the read checked
    if (!same_bits(PyFloat_AS_DOUBLE(lr), step->lrs[i]) || PyList_GET_ITEM(last, i) != lr) return 0;
  }
  return 1;
}

/// What `_last_lr` holds for a written group.
static PyObject *held_lr(const GroupSlot *s) { return s->new_lr != NULL ? s->new_lr : s->lr; }

/// Writes `momenta` (NULL: none), then the lrs; returns the list `_last_lr`
/// gets (`last` itself when it holds the groups' lrs: a step that changes
/// nothing allocates nothing), or NULL with the exception set, every write undone.
static PyObject *write_groups(GroupStep *step, const double *momenta, MomentumTarget target, PyObject *last) {
  Py_ssize_t n = step->n, same = -1;
  step->momentum_key = target == MOMENTUM_BETA1 ? str_betas : str_momentum;
  for (Py_ssize_t i = 0; momenta != NULL && i < n; i++) {
    if (write_momentum(step, i, momenta[i], target) < 0) goto fail;
  }
  for (Py_ssize_t i = 0; i < n; i++) {
    PyObject *lr = step->slots[i].lr;  // a float whose bits do not change is not written
    if (!(PyFloat_CheckExact(lr) && same_bits(PyFloat_AS_DOUBLE(lr), step->lrs[i])) && write_lr(step, i) < 0) goto fail;
  }
  if (last != NULL && PyList_CheckExact(last) && PyList_GET_SIZE(last) == n) {
    for (same = 0; same < n && PyList_GET_ITEM(last, same) == held_lr(&step->slots[same]);) same++;
  }
  if (same == n) return Py_NewRef(last);
  PyObject *list = PyList_New(n);  // may collect garbage: run Python code
  if (list == NULL) goto fail;
  for (Py_ssize_t i = 0; i < n; i++) PyList_SET_ITEM(list, i, Py_NewRef(held_lr(&step->slots[i])));
  return list;
fail:
  undo(step);
  return NULL;
}

// MARK: - Commit and release

/// The new values become what each slot holds (the old ones are released
/// with the step: no Python code runs here), and a step of its own slots
/// hands them to the cache, valid where only this step changed a plain dict of immutable numbers.
static void commit(GroupStep *step, GroupCache *cache) {
  for (Py_ssize_t i = 0; i < step->touched; i++) {
    GroupSlot *s = &step->slots[i];
    PyObject *lr = s->lr, *momentum = s->momentum;
    if (s->new_lr != NULL && step->borrowed) {
      s->lr = s->new_lr, s->new_lr = NULL;
      Py_DECREF(lr);  // a cached lr is an exact float: no Python code runs
    } else if (s->new_lr != NULL) {
      s->lr = s->new_lr, s->new_lr = lr;
    }
    if (s->new_momentum != NULL) s->momentum = s->new_momentum, s->new_momentum = momentum;
  }
  if (step->borrowed && step->momenta_written == 0) step->touched = 0;  // nothing left to release
  if (step->borrowed || group_cache_reserve(cache, step->n, step->keys) < 0) return;
  for (Py_ssize_t i = 0; i < step->n; i++) {
    GroupSlot *s = &step->slots[i], *c = &cache->slots[i], held = *c;
    *c = *s;  // the replaced values (`new_*`) stay with the step, and so does what the cache held
    c->new_lr = c->new_momentum = NULL;
    c->tracked &= c->immutable && immutable_number(c->lr);
    s->dict = held.dict, s->lr = held.lr, s->momentum = held.momentum;
  }
  if (step->keys > 0) memcpy(cache->inputs, step->inputs, (size_t)(step->n * step->keys) * sizeof(double));
}

/// Releases what the step holds (a borrowed step: the values its writes replaced).
static void release(GroupStep *step) {
  if (step->slots == NULL) return;
  for (Py_ssize_t i = 0; i < (step->borrowed ? step->touched : step->n); i++) {
    GroupSlot *s = &step->slots[i];
    Py_CLEAR(s->new_lr);
    Py_CLEAR(s->new_momentum);
    if (step->borrowed) continue;
    Py_XDECREF(s->dict);
    Py_XDECREF(s->lr);
    Py_XDECREF(s->momentum);
  }
  if (!step->borrowed && step->lrs != step->stack) PyMem_Free(step->lrs);  // the block of every array
}

// MARK: - The transaction

PyObject *scheduler_step_groups(NativeScheduler *self, PyObject *param_groups, const double *inputs,
                                Py_ssize_t input_count, const swiftlr_value *epoch, long long step_count,
                                const long long *fast_forward) {
  GroupStep step;
  PyObject *result = NULL;
  swiftlr_message message;
  int32_t status;

  // 1. Read: the lrs, and the group inputs unless the caller gives inputs.
  if (read_groups(&step, param_groups, self->group_count, inputs == NULL ? self->group_inputs : NULL, &self->cache) <
      0) {
    goto done;
  }
  if (step.keys > 0) {
    inputs = step.inputs;
    input_count = step.n * step.keys;
  }
  // 2. The rule. Tensor lrs of a narrower dtype round each operation to it; floats take the specialized path.
  if (fast_forward != NULL) {
    status = swiftlr_scheduler_fast_forward(self->core, step.lrs, step.n, step.tensor_lrs ? step.precisions : NULL,
                                            inputs, input_count, *fast_forward, step_count,
                                            self->step_protocol == STEP_LR, &message);
  } else if (step.tensor_lrs) {
    status = swiftlr_scheduler_step_precise(self->core, step.lrs, step.n, step.precisions, inputs, input_count, epoch,
                                            step_count, self->is_initial, &message);
  } else {
    status = swiftlr_scheduler_step(self->core, step.lrs, step.n, inputs, input_count, epoch, step_count,
                                    self->is_initial, &message);
  }
  if (status != SWIFTLR_OK) {
    shim_raise(status, &message);
    goto done;
  }
  // 3. Write (undone on failure), then commit; from here every failure puts the core back.
  int cycled = self->momentum != MOMENTUM_NONE && swiftlr_scheduler_momenta(self->core, step.momenta, step.n);
  if (unchanged(&step, cycled, self->last_lr)) {
    swiftlr_scheduler_commit_step(self->core);
    return Py_NewRef(self->last_lr);  // the cache's slots hold what the groups hold
  }
  if ((result = write_groups(&step, cycled ? step.momenta : NULL, self->momentum, self->last_lr)) == NULL) {
    swiftlr_scheduler_undo_step(self->core);
    goto done;
  }
  swiftlr_scheduler_commit_step(self->core);
  commit(&step, &self->cache);
done:
  if (result == NULL) group_cache_invalidate(&self->cache);
  release(&step);
  return result;
}

// MARK: - Python's writes

PyObject *shim_write_group(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs) {
  if (nargs != 3 || !PyUnicode_Check(args[1])) {
    PyErr_Format(PyExc_TypeError, "write_group() takes 3 arguments, whose key must be a str (%zd given)", nargs);
    return NULL;
  }
  PyObject *group = args[0], *key = args[1], *value = args[2], *old = NULL, *number = NULL, *written = NULL;
  int failed = -1;
  if (PyUnicode_CompareWithASCIIString(key, "beta1") == 0) {
    if ((old = shim_group_item(group, str_betas)) == NULL || (written = with_beta1(old, value)) == NULL) goto done;
    failed = PyObject_SetItem(group, str_betas, written);
  } else {
    int filled = 0;
    if (PyUnicode_Compare(key, shim_str_lr) == 0 && (old = shim_group_item(group, key)) == NULL) {
      if (!PyErr_ExceptionMatches(PyExc_KeyError)) goto done;
      PyErr_Clear();  // no lr yet: it is assigned
    }
    if (old != NULL && !PyFloat_Check(old) && !PyLong_Check(old)) {
      filled = (number = PyNumber_Float(value)) == NULL ? -1 : fill_tensor(old, number);
      if (filled < 0) goto done;
    }
    failed = filled ? 0 : PyObject_SetItem(group, key, value);
  }
done:
  Py_XDECREF(old);
  Py_XDECREF(number);
  Py_XDECREF(written);
  return failed ? NULL : Py_NewRef(Py_None);
}

int param_groups_ready(void) {
  PyObject **const slots[] = {&str_fill, &str_clone, &str_betas, &str_momentum};
  const char *const names[] = {"fill_", "clone", "betas", "momentum"};
  return shim_intern(slots, names, 4) < 0 ? -1 : group_cache_ready();
}
