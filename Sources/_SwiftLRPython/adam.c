// `_swiftlr.adam_step`: resolves every parameter, gradient, moment and step
// count to memory through the buffer protocol, checks them, then runs one
// Adam step over all of them in Swift with the GIL released.
#include "shim.h"

#include <string.h>

// MARK: - Hyperparameters

static PyObject *str_betas;
static PyObject *str_hyper[3];  // lr, eps, weight_decay
static PyObject *str_flags[3];  // amsgrad, maximize, decoupled_weight_decay
static PyObject *str_state[4];  // step, exp_avg, exp_avg_sq, max_exp_avg_sq
static const char *const hyper_names[3] = {"lr", "eps", "weight_decay"};
/// The state arrays as the messages name them (`shim_take_state`'s role).
static const char *const state_roles[4] = {"step of parameter", "exp_avg of parameter", "exp_avg_sq of parameter",
                                           "max_exp_avg_sq of parameter"};

static int intern_strings(void) {
  PyObject **const slots[] = {&str_hyper[0], &str_hyper[1], &str_hyper[2], &str_flags[0], &str_flags[1], &str_flags[2],
                              &str_state[0], &str_state[1], &str_state[2], &str_state[3], &str_betas};
  const char *const names[] = {
      "lr",   "eps",     "weight_decay", "amsgrad",        "maximize", "decoupled_weight_decay",
      "step", "exp_avg", "exp_avg_sq",   "max_exp_avg_sq", "betas"};
  return str_betas != NULL ? 0 : shim_intern(slots, names, 11);
}

/// `group["betas"]`: a pair of numbers, each converted as a hyperparameter.
/// Returns 1 for a tuple of exact numbers (see `shim_read_options`).
static int read_betas(PyObject *group, swiftlr_adam_group *g) {
  PyObject *betas = shim_group_item(group, str_betas);
  if (betas == NULL) return -1;
  PyObject *pair = PySequence_Tuple(betas);
  int status = -1;
  if (pair != NULL && PyTuple_GET_SIZE(pair) != 2) {
    PyErr_Format(PyExc_ValueError, "betas must be a pair, got %zd values", PyTuple_GET_SIZE(pair));
  } else if (pair != NULL && shim_optim_number(PyTuple_GET_ITEM(pair, 0), "betas[0]", &g->beta1) == 0 &&
             shim_optim_number(PyTuple_GET_ITEM(pair, 1), "betas[1]", &g->beta2) == 0) {
    status = PyTuple_CheckExact(betas) && shim_exact_number(PyTuple_GET_ITEM(pair, 0)) &&
             shim_exact_number(PyTuple_GET_ITEM(pair, 1));
  }
  Py_XDECREF(pair);
  Py_DECREF(betas);
  return status;
}

/// Reads one param group's hyperparameters, each converted once (see
/// `shim_read_options`).
static int read_options(PyObject *group, void *options) {
  swiftlr_adam_group *g = options;
  double *const numbers[3] = {&g->lr, &g->eps, &g->weight_decay};
  int32_t *const flags[3] = {&g->amsgrad, &g->maximize, &g->decoupled};
  int exact = shim_read_numbers(group, str_hyper, hyper_names, numbers, 3), betas = -1, exact_flags = -1;
  if (exact >= 0 && (betas = read_betas(group, g)) >= 0) exact_flags = shim_read_flags(group, str_flags, flags, 3);
  return exact_flags < 0 ? -1 : exact & betas & exact_flags;
}

// MARK: - The step

/// The state arrays, `state[str_state[k]]` (STEP: the step count).
enum { STEP, EXP_AVG, EXP_AVG_SQ, MAX_EXP_AVG_SQ, STATES };

/// One parameter with a gradient and its state arrays (each pinned by
/// `weak`, its buffer `views` where `taken`), all released by `release_entry`.
typedef struct {
  shim_param p;
  PyObject *arrays[STATES], *weak[STATES];
  Py_buffer views[STATES];
  char taken[STATES];
  char fresh;
  float step;  // the step count this update makes
} adam_entry;

static void release_entry(void *entry) {
  adam_entry *e = entry;
  for (int k = 0; k < STATES; k++) {
    if (e->taken[k]) PyBuffer_Release(&e->views[k]);
    Py_CLEAR(e->weak[k]);
    Py_CLEAR(e->arrays[k]);
  }
  shim_param_release(&e->p);
}

/// The step count: a writable native float32 array of one element (torch
/// keeps a float32 0-d tensor). The next count is computed as torch's float32
/// add computes it: it stops at 2**24.
static int take_step(adam_entry *e, Py_ssize_t i) {
  PyObject *step = e->arrays[STEP];
  if (shim_pin(step, &e->weak[STEP]) < 0) return -1;
  Py_buffer *view = &e->views[STEP];
  if (PyObject_GetBuffer(step, view, PyBUF_WRITABLE | PyBUF_FORMAT | PyBUF_ANY_CONTIGUOUS) == 0) {
    e->taken[STEP] = 1;
    if (view->len == 4 && shim_buffer_dtype(view) == SWIFTLR_FLOAT32) {
      float old;
      memcpy(&old, view->buf, sizeof old);
      e->step = old + 1.0f;
      return 0;
    }
  }
  PyErr_Clear();
  PyErr_Format(PyExc_TypeError,
               "state 'step' of parameter %zd must be a writable float32 array of one element (as torch's step "
               "tensor), got %.100s",
               i, Py_TYPE(step)->tp_name);
  return -1;
}

typedef struct {
  PyObject *state, *zeros_like, *new_step;
  const swiftlr_adam_group *options;
} adam_context;

/// A parameter's state (new zeroed arrays when it has none) and its tensor.
static int fill_entry(shim_param *p, void *tensor, Py_ssize_t g, Py_ssize_t i, void *context) {
  adam_entry *e = (adam_entry *)p;
  const adam_context *c = context;
  int last = c->options[g].amsgrad ? MAX_EXP_AVG_SQ : EXP_AVG_SQ;
  if (shim_param_state(p, c->state) < 0) return -1;
  if (p->param_state == NULL || PyDict_GET_SIZE(p->param_state) == 0) {
    // torch's lazy initialization; zeroed, never uninitialized memory.
    e->fresh = 1;
    if ((e->arrays[STEP] = PyObject_CallNoArgs(c->new_step)) == NULL) return -1;
    for (int k = EXP_AVG; k <= last; k++) {
      if ((e->arrays[k] = PyObject_CallOneArg(c->zeros_like, p->arrays[0])) == NULL) return -1;
    }
  } else {
    for (int k = STEP; k <= last; k++) {  // KeyError when missing, as torch
      PyObject *item = PyDict_GetItemWithError(p->param_state, str_state[k]);
      if (item == NULL && !PyErr_Occurred()) PyErr_SetObject(PyExc_KeyError, str_state[k]);
      if ((e->arrays[k] = Py_XNewRef(item)) == NULL) return -1;
    }
  }
  if (take_step(e, i) < 0) return -1;
  for (int k = EXP_AVG; k <= last; k++) {
    if (shim_take_state(e->arrays[k], &e->weak[k], &e->views[k], &e->taken[k], &p->views[0], state_roles[k], i) < 0)
      return -1;
  }
  *(swiftlr_adam_tensor *)tensor = (swiftlr_adam_tensor){
      .param = p->views[0].buf,
      .grad = p->views[1].buf,
      .exp_avg = e->views[EXP_AVG].buf,
      .exp_avg_sq = e->views[EXP_AVG_SQ].buf,
      .max_exp_avg_sq = e->taken[MAX_EXP_AVG_SQ] ? e->views[MAX_EXP_AVG_SQ].buf : NULL,
      .count = (int64_t)(p->views[0].len / p->views[0].itemsize),
      .dtype = shim_buffer_dtype(&p->views[0]),
      .step = e->step,
      .group = g,
  };
  return 0;
}

/// Records a fresh parameter's state, in torch's order.
static int record_state(PyObject *state, adam_entry *e, int amsgrad) {
  if (e->p.param_state == NULL) {
    if ((e->p.param_state = PyDict_New()) == NULL) return -1;
    if (PyObject_SetItem(state, e->p.param, e->p.param_state) < 0) return -1;
  }
  for (int k = STEP; k <= (amsgrad ? MAX_EXP_AVG_SQ : EXP_AVG_SQ); k++) {
    if (PyDict_SetItem(e->p.param_state, str_state[k], e->arrays[k]) < 0) return -1;
  }
  return 0;
}

// adam_step(param_groups, state, zeros_like, relayout, new_step, capability):
// one Adam step of every parameter with a gradient, read first
// (`shim_step_params`); the kernel runs without the GIL, then the step counts
// are written and a fresh parameter's state joins `state`. A failed call changes nothing.
PyObject *shim_adam_step(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs) {
  PyObject *result = NULL;
  shim_step s;

  if (!shim_arity("adam_step", nargs, 6)) return NULL;
  long capability = PyLong_AsLong(args[5]);
  if (capability == -1 && PyErr_Occurred()) return NULL;
  if (capability < 0 || capability > 2) {
    PyErr_Format(PyExc_ValueError, "adam_step(): unknown torch capability %ld", capability);
    return NULL;
  }
  if (intern_strings() < 0) return NULL;
  int begun = shim_step_begin(&s, args[0], sizeof(swiftlr_adam_group), sizeof(adam_entry), sizeof(swiftlr_adam_tensor),
                              read_options);
  swiftlr_adam_group *options = s.options;
  adam_entry *entries = s.entries;
  swiftlr_adam_tensor *tensors = s.tensors;
  adam_context context = {args[1], args[2], args[4], options};
  if (begun < 0) goto done;
  for (Py_ssize_t g = 0; g < s.group_count; g++) options[g].capability = (int32_t)capability;
  if (shim_step_params(&s, args[3], fill_entry, &context) < 0) goto done;
  swiftlr_message message;
  int32_t status;
  Py_BEGIN_ALLOW_THREADS status = swiftlr_adam_step(tensors, s.used, options, s.group_count, &message);
  Py_END_ALLOW_THREADS if (status != SWIFTLR_OK) {
    shim_raise(status, &message);
    goto done;
  }
  for (Py_ssize_t i = 0; i < s.used; i++) memcpy(entries[i].views[STEP].buf, &entries[i].step, sizeof(float));
  for (Py_ssize_t i = 0; i < s.used; i++) {
    adam_entry *e = &entries[i];
    if (e->fresh && record_state(args[1], e, options[tensors[i].group].amsgrad) < 0) goto done;
  }
  result = Py_NewRef(Py_None);

done:
  shim_step_end(&s, release_entry);
  return result;
}
