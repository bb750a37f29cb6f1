// `_swiftlr.adam_step`: resolves every parameter, gradient, moment and step
// count to memory through the buffer protocol, checks them, then runs one
// Adam step over all of them in Swift with the GIL released.
#include "shim.h"

#include <string.h>

// MARK: - Hyperparameters

static PyObject *str_grad, *str_data, *str_slot_grad, *str_slot_data, *str_betas;
static PyObject *str_hyper[3];  // lr, eps, weight_decay
static PyObject *str_flags[3];  // amsgrad, maximize, decoupled_weight_decay
static PyObject *str_state[4];  // step, exp_avg, exp_avg_sq, max_exp_avg_sq
static const char *const hyper_names[3] = {"lr", "eps", "weight_decay"};
/// The state arrays as the messages name them (`shim_take_state`'s role).
static const char *const state_roles[4] = {"step of parameter", "exp_avg of parameter", "exp_avg_sq of parameter",
                                           "max_exp_avg_sq of parameter"};

static int intern_strings(void) {
  if (str_betas != NULL) return 0;
  PyObject **slots[] = {&str_hyper[0], &str_hyper[1], &str_hyper[2],  &str_flags[0],  &str_flags[1],
                        &str_flags[2], &str_state[0], &str_state[1],  &str_state[2],  &str_state[3],
                        &str_grad,     &str_data,     &str_slot_grad, &str_slot_data, &str_betas};
  const char *names[] = {"lr",    "eps",     "weight_decay", "amsgrad",        "maximize", "decoupled_weight_decay",
                         "step",  "exp_avg", "exp_avg_sq",   "max_exp_avg_sq", "grad",     "data",
                         "_grad", "_data",   "betas"};
  for (size_t k = 0; k < sizeof names / sizeof *names; k++) {
    if (*slots[k] == NULL && (*slots[k] = PyUnicode_InternFromString(names[k])) == NULL) return -1;
  }
  return 0;
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
  int memorable = 1;
  double *slots[3] = {&g->lr, &g->eps, &g->weight_decay};
  for (int k = 0; k < 3; k++) {
    PyObject *value = shim_group_item(group, str_hyper[k]);
    if (value == NULL) return -1;
    int status = shim_optim_number(value, hyper_names[k], slots[k]);
    memorable &= shim_exact_number(value);
    Py_DECREF(value);
    if (status < 0) return -1;
  }
  int betas = read_betas(group, g);
  if (betas < 0) return -1;
  memorable &= betas;
  int32_t *flags[3] = {&g->amsgrad, &g->maximize, &g->decoupled};
  for (int k = 0; k < 3; k++) {
    PyObject *value = shim_group_item(group, str_flags[k]);
    if (value == NULL) return -1;
    int truth = PyObject_IsTrue(value);
    memorable &= shim_exact_flag(value);
    Py_DECREF(value);
    if (truth < 0) return -1;
    *flags[k] = truth;
  }
  return memorable;
}

// MARK: - The step

enum { DATA, GRAD, EXP_AVG, EXP_AVG_SQ, MAX_EXP_AVG_SQ, STEP, VIEWS };

/// One parameter with a gradient: strong references to every object it
/// reads and the buffers it holds, all released by `release_entry`.
/// `arrays[k]` for k >= EXP_AVG is state[str_state[k - EXP_AVG + 1]], and
/// arrays[STEP] is state["step"].
typedef struct {
  PyObject *param, *param_state;
  PyObject *arrays[VIEWS];
  PyObject *weak[VIEWS];
  Py_buffer views[VIEWS];
  char taken[VIEWS];
  char fresh;
  float step;  // the step count this update makes
} adam_entry;

static void release_entry(void *entry) {
  adam_entry *e = entry;
  for (int k = 0; k < VIEWS; k++) {
    if (e->taken[k]) PyBuffer_Release(&e->views[k]);
    Py_CLEAR(e->weak[k]);
    Py_CLEAR(e->arrays[k]);
  }
  Py_CLEAR(e->param);
  Py_CLEAR(e->param_state);
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

/// `state[param][name]`, a new reference (KeyError when missing, as torch).
static PyObject *state_item(PyObject *param_state, int k) {
  PyObject *item = PyDict_GetItemWithError(param_state, str_state[k]);
  if (item == NULL && !PyErr_Occurred()) PyErr_SetObject(PyExc_KeyError, str_state[k]);
  return Py_XNewRef(item);
}

/// Resolves one parameter to memory: data, grad (copied into the data's
/// layout when it differs), its state (new zeroed arrays when it has none).
static int fill_entry(adam_entry *e, PyObject *param, int amsgrad, PyObject *state, PyObject *zeros_like,
                      PyObject *relayout, PyObject *new_step, Py_ssize_t i, PyTypeObject *fast) {
  if ((e->arrays[DATA] = shim_param_attr(param, str_data, str_slot_data, fast)) == NULL) return -1;
  // Each array is pinned before its memory is taken: any later Python code
  // (a finalizer at an allocation, another thread) cannot resize it.
  if (shim_pin(e->arrays[DATA], &e->weak[DATA]) < 0) return -1;
  if (shim_take(e->arrays[DATA], &e->views[DATA], 1, "parameter", i) < 0) return -1;
  e->taken[DATA] = 1;
  if (shim_take_grad(&e->arrays[GRAD], &e->weak[GRAD], &e->views[GRAD], &e->taken[GRAD], e->arrays[DATA],
                     &e->views[DATA], relayout, i) < 0)
    return -1;
  if (!PyDict_Check(state)) {
    PyErr_Format(PyExc_TypeError, "optimizer state must be a dict, got %.100s", Py_TYPE(state)->tp_name);
    return -1;
  }
  e->param_state = shim_param_state_of(state, param);
  if (e->param_state == NULL && PyErr_Occurred()) return -1;
  int last = amsgrad ? MAX_EXP_AVG_SQ : EXP_AVG_SQ;
  if (e->param_state == NULL || PyDict_GET_SIZE(e->param_state) == 0) {
    // torch's lazy initialization; zeroed, never uninitialized memory.
    e->fresh = 1;
    if ((e->arrays[STEP] = PyObject_CallNoArgs(new_step)) == NULL) return -1;
    for (int k = EXP_AVG; k <= last; k++) {
      if ((e->arrays[k] = PyObject_CallOneArg(zeros_like, e->arrays[DATA])) == NULL) return -1;
    }
  } else {
    if ((e->arrays[STEP] = state_item(e->param_state, 0)) == NULL) return -1;
    for (int k = EXP_AVG; k <= last; k++) {
      if ((e->arrays[k] = state_item(e->param_state, k - EXP_AVG + 1)) == NULL) return -1;
    }
  }
  if (take_step(e, i) < 0) return -1;
  for (int k = EXP_AVG; k <= last; k++) {
    if (shim_take_state(e->arrays[k], &e->weak[k], &e->views[k], &e->taken[k], &e->views[DATA],
                        state_roles[k - EXP_AVG + 1], i) < 0)
      return -1;
  }
  return 0;
}

/// Records a fresh parameter's state, in torch's order.
static int record_state(PyObject *state, adam_entry *e, int amsgrad) {
  if (e->param_state == NULL) {
    if ((e->param_state = PyDict_New()) == NULL) return -1;
    if (PyObject_SetItem(state, e->param, e->param_state) < 0) return -1;
  }
  if (PyDict_SetItem(e->param_state, str_state[0], e->arrays[STEP]) < 0) return -1;
  for (int k = EXP_AVG; k <= (amsgrad ? MAX_EXP_AVG_SQ : EXP_AVG_SQ); k++) {
    if (PyDict_SetItem(e->param_state, str_state[k - EXP_AVG + 1], e->arrays[k]) < 0) return -1;
  }
  return 0;
}

// adam_step(param_groups, state, zeros_like, relayout, new_step, capability):
// one Adam
// step of every parameter with a gradient in every group. Everything Python
// is read first, holding a strong reference to each object (user code can
// run during any read); then the kernel runs without the GIL and the step
// counts are written; a fresh parameter's state joins `state` only after it.
// A failed call changes nothing.
PyObject *shim_adam_step(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs) {
  PyObject *result = NULL;
  shim_step s;
  Py_ssize_t n = 0;

  if (nargs != 6) {
    PyErr_Format(PyExc_TypeError, "adam_step() takes 6 arguments (%zd given)", nargs);
    return NULL;
  }
  PyObject *state = args[1], *zeros_like = args[2], *relayout = args[3], *new_step = args[4];
  long capability = PyLong_AsLong(args[5]);
  if (capability == -1 && PyErr_Occurred()) return NULL;
  if (capability < 0 || capability > 2) {
    PyErr_Format(PyExc_ValueError, "adam_step(): unknown torch capability %ld", capability);
    return NULL;
  }
  if (intern_strings() < 0) return NULL;
  PyTypeObject *fast = shim_parameter_type();
  int begun = shim_step_begin(&s, args[0], sizeof(swiftlr_adam_group), sizeof(adam_entry), sizeof(swiftlr_adam_tensor),
                              read_options);
  swiftlr_adam_group *options = s.options;
  adam_entry *entries = s.entries;
  swiftlr_adam_tensor *tensors = s.tensors;
  if (begun < 0) goto done;
  for (Py_ssize_t g = 0; g < s.group_count; g++) options[g].capability = (int32_t)capability;
  for (Py_ssize_t g = 0; g < s.group_count; g++) {
    for (Py_ssize_t k = 0; k < PyTuple_GET_SIZE(s.params[g]); k++) {
      PyObject *param = PyTuple_GET_ITEM(s.params[g], k);
      PyObject *grad = shim_param_attr(param, str_grad, str_slot_grad, fast);
      if (grad == NULL) goto done;
      if (grad == Py_None) {
        Py_DECREF(grad);
        continue;
      }
      adam_entry *e = &entries[n];
      memset(e, 0, sizeof *e);
      e->arrays[GRAD] = grad;
      e->param = Py_NewRef(param);
      n++;
      if (fill_entry(e, param, options[g].amsgrad, state, zeros_like, relayout, new_step, n - 1, fast) < 0) goto done;
      tensors[n - 1] = (swiftlr_adam_tensor){
          .param = e->views[DATA].buf,
          .grad = e->views[GRAD].buf,
          .exp_avg = e->views[EXP_AVG].buf,
          .exp_avg_sq = e->views[EXP_AVG_SQ].buf,
          .max_exp_avg_sq = e->taken[MAX_EXP_AVG_SQ] ? e->views[MAX_EXP_AVG_SQ].buf : NULL,
          .count = (int64_t)(e->views[DATA].len / e->views[DATA].itemsize),
          .dtype = shim_buffer_dtype(&e->views[DATA]),
          .step = e->step,
          .group = g,
      };
    }
  }
  swiftlr_message message;
  int32_t status;
  Py_BEGIN_ALLOW_THREADS status = swiftlr_adam_step(tensors, n, options, s.group_count, &message);
  Py_END_ALLOW_THREADS if (status != SWIFTLR_OK) {
    shim_raise(status, &message);
    goto done;
  }
  for (Py_ssize_t i = 0; i < n; i++) memcpy(entries[i].views[STEP].buf, &entries[i].step, sizeof(float));
  for (Py_ssize_t i = 0; i < n; i++) {
    adam_entry *e = &entries[i];
    if (e->fresh && record_state(state, e, options[tensors[i].group].amsgrad) < 0) goto done;
  }
  result = Py_NewRef(Py_None);

done:
  shim_step_end(&s, n, sizeof(adam_entry), release_entry);
  return result;
}
