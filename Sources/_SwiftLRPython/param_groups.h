// The step transaction's param-group side (internal to the shim): read every
// group's lr (and the keys a rule reads from the groups), let the core
// compute, write the new lrs and cycled momenta back, undo on failure.
//
// Reads and writes run Python code (a dict subclass's `__getitem__`, an lr's
// `__float__`, a tensor's `fill_`, a finalizer run by an allocation), which
// may change anything, so a `GroupStep`:
//   * holds a strong reference to every group and to every value it will put
//     back, never a borrowed pointer into a list or dict;
//   * keeps what each group held before the step, so that a write that fails
//     halfway is undone (`group_step_undo`) and the step changes nothing.
//
// The group cache is the transaction's read and write policy, not a second
// transaction: a group whose plain dict has not changed since the last step
// is read from the cache (no lookup, no Python code), and an lr the step
// leaves unchanged is not written (group_cache.c).
#ifndef SWIFTLR_PARAM_GROUPS_H
#define SWIFTLR_PARAM_GROUPS_H

#include "shim.h"

#include <stddef.h>
#include <string.h>

/// Param groups (and group inputs per group) handled without a heap allocation.
#define GROUP_STEP_STACK 8
#define GROUP_STEP_STACK_INPUTS 6

/// Where cycled momenta go: nowhere, `group["momentum"]`, or beta1 of `group["betas"]`.
typedef enum { MOMENTUM_NONE = 0, MOMENTUM_KEY = 1, MOMENTUM_BETA1 = 2 } MomentumTarget;

/// What one group held after the last step, to skip reading it again.
typedef struct {
  PyObject *dict;      // the group (strong), compared by identity
  PyObject *lr;        // its lr after the step: an immutable number (strong)
  PyObject *momentum;  // what the step wrote under "momentum" / "betas" (strong), or NULL: not known
  uint64_t version;    // the dict's version after the step's writes
  int valid;
} GroupCacheEntry;

typedef struct {
  Py_ssize_t count;          // groups (the cache's length)
  Py_ssize_t keys;           // group inputs per group
  GroupCacheEntry *entries;  // NULL until a step stores one
  double *inputs;            // count * keys
} GroupCache;

void group_cache_clear(GroupCache *cache);
void group_cache_invalidate(GroupCache *cache);
int group_cache_traverse(GroupCache *cache, visitproc visit, void *arg);

/// Whether group `i` (of a step reading `keys` group inputs) still holds
/// what the last step left: its lr and inputs are then the cached ones.
/// Runs no Python code.
int group_cache_hit(const GroupCache *cache, Py_ssize_t i, PyObject *group, Py_ssize_t keys);

/// One group in a step: what it held before, what the step put there.
typedef struct {
  PyObject *group;         // strong: the group, from the snapshot of param_groups
  PyObject *old_lr;        // strong: its lr object before the step
  PyObject *new_lr;        // strong: what `_last_lr` holds for it once written
  PyObject *old_momentum;  // strong or NULL: "momentum" / "betas" before the step
  PyObject *new_momentum;  // strong or NULL: what the step wrote there
  uint64_t version;        // its dict's version when read, then after each of the step's writes
  char tracked;            // a watched plain dict that only this step changed since it was read
  char immutable;          // its lr and inputs were immutable numbers
  double old_value;        // its lr as a float, before the step
} GroupSlot;

typedef struct {
  Py_ssize_t n;     // groups
  Py_ssize_t keys;  // group inputs read per group (0 when the caller gives inputs)
  GroupSlot *slots;
  double *lrs;                 // the lrs the core reads and replaces
  double *momenta;             // room for the momenta the core cycles
  int32_t *precisions;         // per group: the lr's dtype (SWIFTLR_LR_*)
  double *inputs;              // n * keys group inputs, or NULL
  int tensor_lrs;              // some lr is a tensor of a dtype narrower than float64
  GroupCache *borrowed;        // read from this cache (`group_step_read_cached`): its entries own every group and
                               // old lr, and the write goes straight into them (`group_cache_write`)
  Py_ssize_t written;          // groups whose lr has been written
  Py_ssize_t momenta_written;  // groups whose momentum has been written
  MomentumTarget momentum;
  PyObject *momentum_key;  // borrowed interned "momentum" / "betas"
  // Storage for small steps.
  GroupSlot stack_slots[GROUP_STEP_STACK];
  double stack_lrs[GROUP_STEP_STACK];
  double stack_momenta[GROUP_STEP_STACK];
  int32_t stack_precisions[GROUP_STEP_STACK];
  double stack_inputs[GROUP_STEP_STACK * GROUP_STEP_STACK_INPUTS];
} GroupStep;

/// Takes a snapshot of `param_groups` (any sequence of mappings) and reads
/// each group's lr and, for each of `input_keys` (a tuple of str, may be
/// empty), `group[key]` as a float; a group `cache` knows unchanged is read
/// from it. `expected` is the number of groups the scheduler was built for.
/// Returns -1 with an exception set; release the step either way.
int group_step_read(GroupStep *step, PyObject *param_groups, Py_ssize_t expected, PyObject *input_keys,
                    GroupCache *cache);

/// Writes `momenta` (NULL: none) and then `step->lrs` into the groups, and
/// returns the list `_last_lr` gets (`last` itself when it holds exactly the
/// objects the groups now hold). On failure returns NULL with the exception
/// set, after undoing every write.
PyObject *group_step_write(GroupStep *step, const double *momenta, MomentumTarget target, PyObject *last);

/// The write policy of a step read from the cache (`step->borrowed`) that
/// writes (instead of `group_step_write`): writes into the cache's plain dicts with no lookup
/// but a momentum the cache does not know, and commits the new lrs, momenta
/// and versions into the cache once everything is written (the entries are
/// the undo record; on failure they are put back and the cache invalidated).
PyObject *group_cache_write(GroupStep *step, const double *momenta, MomentumTarget target, PyObject *last);

/// The value a cycled momentum is written as: a float, or `betas` (a
/// sequence) with beta1 replaced (a new tuple).
PyObject *group_momentum_value(PyObject *old_betas, double momentum, MomentumTarget target);

/// Interned "momentum" / "betas": the key a momentum target writes.
extern PyObject *group_str_momentum, *group_str_betas;
static inline PyObject *group_momentum_key(MomentumTarget target) {
  return target == MOMENTUM_BETA1 ? group_str_betas : group_str_momentum;
}

/// Records what the step left in each group for the next one.
void group_step_store(GroupStep *step, GroupCache *cache);

/// Releases every reference and buffer the step holds.
void group_step_release(GroupStep *step);

int param_groups_ready(void);
int group_cache_ready(void);

/// Makes changes to a plain dict group visible to `group_dict_version`; -1
/// with an exception set when it cannot (then the group is never cached).
int group_watch(PyObject *dict);

/// `dict[key] = value` for a step's own write into a plain dict group: where
/// dicts are watched, it does not advance the version (see group_cache.c).
int group_dict_set(PyObject *dict, PyObject *key, PyObject *value);

/// Whether two doubles are the same bits (-0.0 is not 0.0; a NaN is itself).
static inline int group_same_bits(double a, double b) {
  uint64_t x, y;
  memcpy(&x, &a, sizeof x);
  memcpy(&y, &b, sizeof y);
  return x == y;
}

/// A number that no Python code can change: a float or an int (not a bool).
static inline int group_immutable_number(PyObject *value) {
  return PyFloat_Check(value) || (PyLong_Check(value) && !PyBool_Check(value));
}

/// How "this dict has not changed" is known: CPython up to 3.13 stamps every
/// dict with a new, globally unique version at each change (`ma_version_tag`,
/// deprecated since 3.12 but kept and maintained through 3.13); 3.14 drops
/// it, and group_cache.c watches the cached dicts instead (one generation
/// counter that any change to any watched dict advances). Watching costs an
/// event per write of a watched dict, which is why the stamp is read while
/// it exists.
#if PY_VERSION_HEX < 0x030E0000
#define GROUP_DICT_STAMPS 1
static inline uint64_t group_dict_version(PyObject *dict) {
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#endif
  return ((PyDictObject *)dict)->ma_version_tag;
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif
}
#else
#define GROUP_DICT_STAMPS 0
extern uint64_t group_dict_generation;
static inline uint64_t group_dict_version(PyObject *dict) {
  (void)dict;
  return group_dict_generation;
}
#endif

/// The read's fast path, an ordinary step's (inline: it is most of a step's
/// own cost): when `param_groups` is a list of the cached groups (at most
/// GROUP_STEP_STACK, with their inputs on the stack), every one unchanged
/// since the last step with a float lr, fills `step` from the cache and
/// returns 1; else 0 with `step` untouched. Nothing is looked up, run or
/// owned: the cache owns each group and old lr until `group_step_store`,
/// after the writes.
static inline int group_step_read_cached(GroupStep *step, GroupCache *cache, PyObject *param_groups, Py_ssize_t n,
                                         Py_ssize_t keys) {
  if (cache->entries == NULL || cache->count != n || cache->keys != keys || n > GROUP_STEP_STACK ||
      !PyList_CheckExact(param_groups) || PyList_GET_SIZE(param_groups) != n) {
    return 0;
  }
  for (Py_ssize_t i = 0; i < n; i++) {
    const GroupCacheEntry *c = &cache->entries[i];
    if (!c->valid || c->dict != PyList_GET_ITEM(param_groups, i) || !PyFloat_CheckExact(c->lr) ||
        group_dict_version(c->dict) != c->version) {
      return 0;
    }
    step->stack_lrs[i] = PyFloat_AS_DOUBLE(c->lr);
  }
  // Only what the transaction reads of a step read from the cache (nothing to release: no slots).
  step->n = n;
  step->keys = keys;
  step->slots = NULL;
  step->lrs = step->stack_lrs;
  step->momenta = step->stack_momenta;
  step->inputs = cache->inputs;  // read by the rule only, which runs no Python code
  step->tensor_lrs = 0;
  step->borrowed = cache;
  return 1;
}

/// The write policy's fast path, an ordinary step's: after a read from the
/// cache (`group_step_read_cached`), a step that cycles no momentum and
/// leaves every lr's bits as they were, with `last` holding the groups' lr
/// objects, writes nothing: returns `last` (a new reference); else NULL, no
/// exception: `group_step_write` writes.
static inline PyObject *group_step_unchanged(GroupStep *step, const double *momenta, PyObject *last) {
  Py_ssize_t n = step->n;
  if (momenta != NULL || last == NULL || !PyList_CheckExact(last) || PyList_GET_SIZE(last) != n) {
    return NULL;
  }
  for (Py_ssize_t i = 0; i < n; i++) {
    PyObject *lr = step->borrowed->entries[i].lr;
    if (PyList_GET_ITEM(last, i) != lr || !group_same_bits(PyFloat_AS_DOUBLE(lr), step->lrs[i])) return NULL;
  }
  return Py_NewRef(last);
}

#endif  // SWIFTLR_PARAM_GROUPS_H
