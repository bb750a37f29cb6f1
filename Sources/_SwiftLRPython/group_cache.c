// The group cache, the step transaction's read and write policy: what each
// param group held after the last step, so that a step over unchanged groups
// reads nothing from them (see param_groups.h).
//
// Reading every group's lr (and OneCycleLR's five group values) is most of a
// step's cost. A group whose dict has not changed since the last step still
// holds what that step wrote: its lr object and inputs are reused without a
// lookup (`group_cache_hit`, asked by `group_step_read` for each group, or
// `group_step_read_cached` for all at once); `group_step_store` records what
// a successful step left, and a step read from the cache writes through it
// (`group_cache_write`), which commits itself. Any change to the
// dict, a replaced dict, a tensor or other mutable lr, or a failed step
// falls back to reading.
//
// "Has not changed" is a dict version (`group_dict_version`): each step
// records a group's version when it starts reading it and follows its own
// writes, so a change made by Python code in the middle of the step (a
// `__float__`, a finalizer) leaves the group uncached. Where CPython no longer
// stamps dicts with versions (3.14+), the version is one generation counter
// advanced by any change to any watched dict but the step's own writes:
// coarse (two schedulers on one optimizer make each other read), never
// wrong. A dict stays watched once watched, because another scheduler's
// cache may rely on it.
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
#else
int group_watch(PyObject *dict) {
  (void)dict;
  return 0;
}

int group_dict_set(PyObject *dict, PyObject *key, PyObject *value) { return PyDict_SetItem(dict, key, value); }
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
  if (cache->entries == NULL) return;
  for (Py_ssize_t i = 0; i < cache->count; i++) cache->entries[i].valid = 0;
}

void group_cache_clear(GroupCache *cache) {
  if (cache->entries != NULL) {
    for (Py_ssize_t i = 0; i < cache->count; i++) {
      Py_CLEAR(cache->entries[i].dict);
      Py_CLEAR(cache->entries[i].lr);
      Py_CLEAR(cache->entries[i].momentum);
    }
  }
  PyMem_Free(cache->entries);
  PyMem_Free(cache->inputs);
  cache->entries = NULL;
  cache->inputs = NULL;
  cache->count = cache->keys = 0;
}

int group_cache_traverse(GroupCache *cache, visitproc visit, void *arg) {
  if (cache->entries == NULL) return 0;
  for (Py_ssize_t i = 0; i < cache->count; i++) {
    Py_VISIT(cache->entries[i].dict);
    Py_VISIT(cache->entries[i].lr);
    Py_VISIT(cache->entries[i].momentum);
  }
  return 0;
}

int group_cache_hit(const GroupCache *cache, Py_ssize_t i, PyObject *group, Py_ssize_t keys) {
  if (cache == NULL || cache->entries == NULL || cache->keys != keys || i >= cache->count) return 0;
  const GroupCacheEntry *c = &cache->entries[i];
  return c->valid && c->dict == group && group_dict_version(group) == c->version;
}

void group_step_store(GroupStep *step, GroupCache *cache) {
  Py_ssize_t n = step->n, keys = step->keys;
  if (cache->entries != NULL && (cache->count != n || cache->keys != keys)) group_cache_clear(cache);
  if (cache->entries == NULL) {
    cache->entries = PyMem_Calloc((size_t)n, sizeof(GroupCacheEntry));
    cache->inputs = keys > 0 ? PyMem_Calloc((size_t)(n * keys), sizeof(double)) : NULL;
    if (cache->entries == NULL || (keys > 0 && cache->inputs == NULL)) {
      group_cache_clear(cache);  // a cache is an optimization: without memory, do without
      return;
    }
    cache->count = n;
    cache->keys = keys;
  }
  for (Py_ssize_t i = 0; i < n; i++) {
    GroupCacheEntry *c = &cache->entries[i];
    GroupSlot *slot = &step->slots[i];
    // Cacheable: a plain dict of immutable numbers that only this step changed since it was read.
    int cacheable = slot->immutable && slot->tracked && PyDict_CheckExact(slot->group) &&
                    group_immutable_number(slot->new_lr) && group_dict_version(slot->group) == slot->version;
    if (cacheable && c->valid && c->dict == slot->group) {
      // The same group: its lr object (taken from the step), version and inputs move on; the entry is whole
      // before the old lr goes.
      PyObject *old_lr = c->lr, *old_momentum = c->momentum;
      c->lr = slot->new_lr;
      c->momentum = slot->new_momentum;  // the momentum it wrote, or NULL: unknown, looked up
      slot->new_lr = slot->new_momentum = NULL;
      c->version = slot->version;
      if (keys > 0) memcpy(&cache->inputs[i * keys], &step->inputs[i * keys], (size_t)keys * sizeof(double));
      Py_DECREF(old_lr);
      Py_XDECREF(old_momentum);
      continue;
    }
    // Releasing an old group may run finalizers: the entry is invalid meanwhile.
    c->valid = 0;
    PyObject *old_dict = c->dict, *old_lr = c->lr, *old_momentum = c->momentum;
    c->dict = c->lr = c->momentum = NULL;
    if (cacheable) {
      c->dict = Py_NewRef(slot->group);
      c->lr = Py_NewRef(slot->new_lr);
      c->momentum = Py_XNewRef(slot->new_momentum);
      c->version = slot->version;
      if (keys > 0) memcpy(&cache->inputs[i * keys], &step->inputs[i * keys], (size_t)keys * sizeof(double));
      c->valid = 1;
    }
    Py_XDECREF(old_dict);
    Py_XDECREF(old_lr);
    Py_XDECREF(old_momentum);
    if (!cacheable || group_dict_version(slot->group) != c->version) c->valid = 0;
  }
}

// MARK: - The write policy

/// `group[key] = value` on a cached group, following its version: `*version`
/// is what the step expects the dict's version to be, and becomes 0 (never a
/// version) when someone else changed the dict meanwhile.
static int cached_set(PyObject *group, PyObject *key, PyObject *value, uint64_t *version) {
  if (group_dict_version(group) != *version) *version = 0;
  int r = group_dict_set(group, key, value);
  if (*version != 0) *version = group_dict_version(group);
  return r;
}

PyObject *group_cache_write(GroupStep *step, const double *momenta, MomentumTarget target, PyObject *last) {
  GroupCache *cache = step->borrowed;
  Py_ssize_t n = step->n, written = 0, momenta_taken = 0, same = 0;
  // new_lrs[i]: the float written into group i, or NULL where its lr did not change.
  PyObject *new_lrs[GROUP_STEP_STACK], *old_momenta[GROUP_STEP_STACK], *new_momenta[GROUP_STEP_STACK];
  PyObject *list = NULL, *key = momenta != NULL && target != MOMENTUM_NONE ? group_momentum_key(target) : NULL;
  uint64_t versions[GROUP_STEP_STACK];
  for (Py_ssize_t i = 0; i < n; i++) versions[i] = cache->entries[i].version;
  for (Py_ssize_t i = 0; key != NULL && i < n; i++) {
    PyObject *group = cache->entries[i].dict, *old = cache->entries[i].momentum;  // what the last step wrote
    if (old == NULL && (old = PyDict_GetItemWithError(group, key)) == NULL) {     // a plain dict: no Python code
      if (PyErr_Occurred()) goto fail;
      if (target == MOMENTUM_BETA1) {  // betas must exist; a missing momentum is assigned, as PyTorch does
        PyErr_SetObject(PyExc_KeyError, key);
        goto fail;
      }
    }
    old_momenta[i] = Py_XNewRef(old);
    new_momenta[i] = NULL;
    momenta_taken = i + 1;  // a failed set may have changed the dict: undo sets the old value back
    new_momenta[i] =
        target == MOMENTUM_KEY ? PyFloat_FromDouble(momenta[i]) : group_momentum_value(old, momenta[i], target);
    if (new_momenta[i] == NULL || cached_set(group, key, new_momenta[i], &versions[i]) < 0) goto fail;
  }
  for (Py_ssize_t i = 0; i < n; i++) {
    GroupCacheEntry *c = &cache->entries[i];
    new_lrs[i] = NULL;
    written = i + 1;
    if (group_same_bits(PyFloat_AS_DOUBLE(c->lr), step->lrs[i])) continue;  // unchanged: nothing is written
    new_lrs[i] = PyFloat_FromDouble(step->lrs[i]);
    if (new_lrs[i] == NULL || cached_set(c->dict, shim_str_lr, new_lrs[i], &versions[i]) < 0) goto fail;
  }
  // `_last_lr`: the groups' lr objects. Python code may run from here on (an allocation can collect garbage).
  if (last != NULL && PyList_CheckExact(last) && PyList_GET_SIZE(last) == n) {
    while (same < n && PyList_GET_ITEM(last, same) == (new_lrs[same] ? new_lrs[same] : cache->entries[same].lr)) {
      same++;
    }
  }
  if (same == n) {
    list = Py_NewRef(last);
  } else if ((list = PyList_New(n)) == NULL) {
    goto fail;
  } else {
    for (Py_ssize_t i = 0; i < n; i++) {
      PyList_SET_ITEM(list, i, Py_NewRef(new_lrs[i] ? new_lrs[i] : cache->entries[i].lr));
    }
  }
  // Committed. A version of 0 marks a group someone else changed during the
  // writes; a change after them leaves the dict's version unequal to the entry's.
  for (Py_ssize_t i = 0; i < n; i++) {
    GroupCacheEntry *c = &cache->entries[i];
    c->version = versions[i];
    c->valid = versions[i] != 0;
    if (new_lrs[i] != NULL) Py_SETREF(c->lr, new_lrs[i]);  // the old one an exact float: no Python code
    if (i < momenta_taken) {
      PyObject *known = c->momentum;  // released below, once every entry is whole
      c->momentum = new_momenta[i];
      new_momenta[i] = known;
    }
  }
  for (Py_ssize_t i = 0; i < momenta_taken; i++) {
    Py_XDECREF(new_momenta[i]);
    Py_XDECREF(old_momenta[i]);
  }
  return list;

fail:;
  // Puts back what this step wrote; the first error is the one reported.
  PyObject *type, *value, *traceback;
  PyErr_Fetch(&type, &value, &traceback);
  for (Py_ssize_t i = written - 1; i >= 0; i--) {
    if (new_lrs[i] != NULL && group_dict_set(cache->entries[i].dict, shim_str_lr, cache->entries[i].lr) < 0) {
      PyErr_Clear();
    }
  }
  for (Py_ssize_t i = momenta_taken - 1; i >= 0; i--) {
    PyObject *group = cache->entries[i].dict;
    if ((old_momenta[i] != NULL ? group_dict_set(group, key, old_momenta[i]) : PyDict_DelItem(group, key)) < 0) {
      PyErr_Clear();
    }
  }
  PyErr_Restore(type, value, traceback);
  group_cache_invalidate(cache);
  for (Py_ssize_t i = 0; i < written; i++) Py_XDECREF(new_lrs[i]);
  for (Py_ssize_t i = 0; i < momenta_taken; i++) {
    Py_XDECREF(new_momenta[i]);
    Py_XDECREF(old_momenta[i]);
  }
  return NULL;
}
