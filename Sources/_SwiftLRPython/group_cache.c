// The group cache, the step transaction's read and write policy: the last
// step's slots (see param_groups.h), used by a step over unchanged groups.
//
// "Unchanged" is a dict version (`group_dict_version`): a step records a
// group's version when it starts reading it and follows its own writes, so a
// change by Python code in the middle of the step (a `__float__`, a
// finalizer) leaves the group uncached. Where CPython no longer stamps dicts
// (3.14+), the version is one generation counter advanced by any change to any
// watched dict but the step's own writes: coarse (two schedulers on one
// optimizer make each other read), never wrong. A dict stays watched once
// watched: another scheduler's cache may rely on it.
#include "param_groups.h"

#if !GROUP_DICT_STAMPS
static int watcher_id = -1;
uint64_t group_dict_generation = 1;
/// The dict a step is writing: its own change does not count (once).
static PyObject *writing;

static int on_dict_change(PyDict_WatchEvent event, PyObject *dict, PyObject *key, PyObject *value) {
  (void)event, (void)key, (void)value;
  if (dict == writing) {
    writing = NULL;  // a second change, by other code during the write, counts
  } else {
    group_dict_generation++;
  }
  return 0;
}

int group_watch(PyObject *dict) { return watcher_id < 0 ? -1 : PyDict_Watch(watcher_id, dict); }

int group_dict_set(PyObject *dict, PyObject *key, PyObject *value) {
  PyObject *outer = writing;
  writing = dict;
  int r = PyDict_SetItem(dict, key, value);
  writing = outer;
  return r;
}
#endif

int group_cache_ready(void) {
#if !GROUP_DICT_STAMPS
  if (watcher_id < 0) {
    watcher_id = PyDict_AddWatcher(on_dict_change);
    if (watcher_id < 0) PyErr_Clear();  // no watcher slot left: groups are read at every step
  }
#endif
  return 0;
}

void group_cache_invalidate(GroupCache *cache) {
  for (Py_ssize_t i = 0; i < cache->count; i++) cache->slots[i].tracked = 0;
}

void group_cache_clear(GroupCache *cache) {
  GroupSlot *slots = cache->slots;
  Py_ssize_t count = cache->count;
  cache->slots = NULL;  // empty before any finalizer runs
  cache->count = cache->keys = 0;
  for (Py_ssize_t i = 0; i < count; i++) {
    Py_XDECREF(slots[i].dict);
    Py_XDECREF(slots[i].lr);
    Py_XDECREF(slots[i].momentum);
  }
  PyMem_Free(slots);  // one block with the inputs
  cache->inputs = NULL;
}

int group_cache_traverse(GroupCache *cache, visitproc visit, void *arg) {
  for (Py_ssize_t i = 0; i < cache->count; i++) {
    Py_VISIT(cache->slots[i].dict);
    Py_VISIT(cache->slots[i].lr);
    Py_VISIT(cache->slots[i].momentum);
  }
  return 0;
}

int group_cache_reserve(GroupCache *cache, Py_ssize_t n, Py_ssize_t keys) {
  if (cache->slots != NULL && cache->count == n && cache->keys == keys) return 0;
  group_cache_clear(cache);
  GroupSlot *slots = PyMem_Calloc((size_t)n, sizeof(GroupSlot) + (size_t)keys * sizeof(double));
  if (slots == NULL) return -1;  // a cache is an optimization: without memory, do without
  *cache = (GroupCache){n, keys, slots, keys > 0 ? (double *)(slots + n) : NULL};
  return 0;
}
