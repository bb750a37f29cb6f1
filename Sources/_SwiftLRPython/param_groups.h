// The step transaction's param-group side (internal to the shim; the
// transaction is param_groups.c's, the cache group_cache.c's). Reads and
// writes run Python code (a dict subclass's `__getitem__`, an lr's
// `__float__`, a tensor's `fill_`, a finalizer), which may change anything:
// a step holds a strong reference to every group and every value it will put
// back, never a borrowed pointer into a list or dict.
#ifndef SWIFTLR_PARAM_GROUPS_H
#define SWIFTLR_PARAM_GROUPS_H

#include "shim.h"

/// Where cycled momenta go: nowhere, `group["momentum"]`, or beta1 of `group["betas"]`.
typedef enum { MOMENTUM_NONE = 0, MOMENTUM_KEY = 1, MOMENTUM_BETA1 = 2 } MomentumTarget;

/// One group in a step: what it held (`lr`, `momentum`) and what the step put
/// there (`new_*`); a commit swaps the two, and the cache keeps the slot.
typedef struct {
  PyObject *dict;          // the group
  PyObject *lr;            // its lr object
  PyObject *momentum;      // "momentum" / "betas", or NULL: not read (none or unknown)
  PyObject *new_lr;        // what `_last_lr` holds for it (a tensor lr's clone), or NULL: unchanged
  PyObject *new_momentum;  // what the step wrote under "momentum" / "betas"
  uint64_t version;        // its dict's version when read, then after each of the step's own writes
  char tracked;            // a watched plain dict that only this step changed (in the cache: valid)
  char immutable;          // its lr and inputs are immutable numbers
  char filled;             // its tensor lr was filled in place
  double old_value;        // its lr as a float, before the step
} GroupSlot;

/// The last step's slots and group inputs (`count * keys`).
typedef struct {
  Py_ssize_t count, keys;
  GroupSlot *slots;
  double *inputs;
} GroupCache;

void group_cache_clear(GroupCache *cache);
void group_cache_invalidate(GroupCache *cache);
int group_cache_traverse(GroupCache *cache, visitproc visit, void *arg);
/// Makes `cache` hold `n` slots of `keys` inputs (zeroed when it did not); -1 without memory, no exception.
int group_cache_reserve(GroupCache *cache, Py_ssize_t n, Py_ssize_t keys);
int param_groups_ready(void);
int group_cache_ready(void);

/// How "this dict has not changed" is known: up to 3.13 CPython stamps every
/// dict with a new, globally unique version at each change (`ma_version_tag`,
/// deprecated in 3.12, maintained through 3.13); from 3.14 group_cache.c
/// watches the dicts (which costs an event per write: the stamp is read while it exists).
/// `group_watch` makes changes to a plain dict visible to `group_dict_version` (-1 with an exception set when it
/// cannot); `group_dict_set` is `dict[key] = value` for a step's own write, which does not advance the version.
#if PY_VERSION_HEX < 0x030E0000
#define GROUP_DICT_STAMPS 1
static inline int group_watch(PyObject *dict) { return (void)dict, 0; }
static inline int group_dict_set(PyObject *d, PyObject *k, PyObject *v) { return PyDict_SetItem(d, k, v); }
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
int group_watch(PyObject *dict);
int group_dict_set(PyObject *dict, PyObject *key, PyObject *value);
extern uint64_t group_dict_generation;
static inline uint64_t group_dict_version(PyObject *dict) {
  (void)dict;
  return group_dict_generation;
}
#endif

#endif  // SWIFTLR_PARAM_GROUPS_H
