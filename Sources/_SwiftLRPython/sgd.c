// `_swiftlr.sgd_step`: resolves every parameter, gradient and momentum buffer
// to memory through the buffer protocol, checks them, then runs one SGD step
// over all of them in Swift with the GIL released.
#include "sgd_entry.h"

// MARK: - Hyperparameters

static PyObject *str_momentum_buffer;
static PyObject *str_hyper[4];  // lr, momentum, dampening, weight_decay
static PyObject *str_flags[2];  // nesterov, maximize
static const char *const hyper_names[4] = {"lr", "momentum", "dampening", "weight_decay"};

static int intern_strings(void) {
  PyObject **const slots[] = {&str_hyper[0], &str_hyper[1], &str_hyper[2],       &str_hyper[3],
                              &str_flags[0], &str_flags[1], &str_momentum_buffer};
  const char *const names[] = {"lr",       "momentum", "dampening",      "weight_decay",
                               "nesterov", "maximize", "momentum_buffer"};
  return str_momentum_buffer != NULL ? 0 : shim_intern(slots, names, 7);
}

/// Reads one param group's hyperparameters, each converted once (see
/// `shim_read_options`).
static int read_options(PyObject *group, void *options) {
  swiftlr_sgd_group *g = options;
  double *const numbers[4] = {&g->lr, &g->momentum, &g->dampening, &g->weight_decay};
  int32_t *const flags[2] = {&g->nesterov, &g->maximize};
  int exact = shim_read_numbers(group, str_hyper, hyper_names, numbers, 4);
  int exact_flags = exact < 0 ? -1 : shim_read_flags(group, str_flags, flags, 2);
  return exact_flags < 0 ? -1 : exact & exact_flags;
}

// MARK: - The step

static void release_entry(void *entry) {
  sgd_entry *e = entry;
  if (e->taken) PyBuffer_Release(&e->view);
  Py_CLEAR(e->weak);
  Py_CLEAR(e->buffer);
  shim_param_release(&e->p);
}

typedef struct {
  PyObject *state, *zeros_like;
  const swiftlr_sgd_group *options;
} sgd_context;

/// A parameter's momentum buffer (a new zeroed one when fresh) and its tensor.
static int fill_entry(shim_param *p, void *tensor, Py_ssize_t g, Py_ssize_t i, void *context) {
  sgd_entry *e = (sgd_entry *)p;
  const sgd_context *c = context;
  if (c->options[g].momentum != 0) {
    if (shim_param_state(p, c->state) < 0) return -1;
    PyObject *buffer = p->param_state ? PyDict_GetItemWithError(p->param_state, str_momentum_buffer) : NULL;
    if (buffer == NULL && PyErr_Occurred()) return -1;
    if (buffer == NULL || buffer == Py_None) {
      // Zeroed, not empty: a buffer is never left holding uninitialized memory.
      e->fresh = 1;
      e->had_none = buffer == Py_None;
      if ((e->buffer = PyObject_CallOneArg(c->zeros_like, p->arrays[0])) == NULL) return -1;
    } else {
      e->buffer = Py_NewRef(buffer);
    }
    if (shim_take_state(e->buffer, &e->weak, &e->view, &e->taken, &p->views[0], "momentum buffer of parameter", i) < 0)
      return -1;
  }
  *(swiftlr_sgd_tensor *)tensor = (swiftlr_sgd_tensor){
      .param = p->views[0].buf,
      .grad = p->views[1].buf,
      .buffer = e->taken ? e->view.buf : NULL,
      .count = (int64_t)(p->views[0].len / p->views[0].itemsize),
      .dtype = shim_buffer_dtype(&p->views[0]),
      .fresh_buffer = e->fresh,
      .group = g,
  };
  return 0;
}

// sgd_step(param_groups, state, zeros_like, relayout, fma): one SGD step of
// every parameter with a gradient, read first (`shim_step_params`), each
// `x + a*y` rounded once (fma true: torch's AVX2/AVX-512 kernels) or twice
// (its default kernels); new momentum buffers join `state` before the kernel
// runs without the GIL, and leave it if anything fails: a failed call changes nothing.
PyObject *shim_sgd_step(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs) {
  PyObject *result = NULL;
  shim_step s;

  if (!shim_arity("sgd_step", nargs, 5)) return NULL;
  int fma = PyObject_IsTrue(args[4]);
  if (fma < 0 || intern_strings() < 0) return NULL;
  int begun = shim_step_begin(&s, args[0], sizeof(swiftlr_sgd_group), sizeof(sgd_entry), sizeof(swiftlr_sgd_tensor),
                              read_options);
  swiftlr_sgd_group *options = s.options;
  sgd_context context = {args[1], args[2], options};
  if (begun < 0) goto done;
  for (Py_ssize_t g = 0; g < s.group_count; g++) options[g].fma = fma;
  if (shim_step_params(&s, args[3], fill_entry, &context) < 0 || sgd_record_buffers(args[1], s.entries, s.used) < 0)
    goto done;
  swiftlr_message message;
  int32_t status;
  Py_BEGIN_ALLOW_THREADS status = swiftlr_sgd_step(s.tensors, s.used, options, s.group_count, &message);
  Py_END_ALLOW_THREADS if (status != SWIFTLR_OK) {
    shim_raise(status, &message);
    sgd_forget_buffers(args[1], s.entries, s.used);
    goto done;
  }
  result = Py_NewRef(Py_None);

done:
  shim_step_end(&s, release_entry);
  return result;
}

// axpy(a, b, scale): a += scale * b in place, over all cores, without the GIL.
PyObject *shim_axpy(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs) {
  PyObject *result = NULL;
  Py_buffer a, b;
  int have_a = 0, have_b = 0;
  if (!shim_arity("axpy", nargs, 3)) goto done;
  double scale = PyFloat_AsDouble(args[2]);
  if (scale == -1.0 && PyErr_Occurred()) goto done;
  if (shim_take(args[0], &a, 1, "array", 0) < 0) goto done;
  have_a = 1;
  if (shim_take(args[1], &b, 0, "array", 1) < 0) goto done;
  have_b = 1;
  if (shim_buffer_dtype(&a) != shim_buffer_dtype(&b) || !shim_same_layout(&a, &b)) {
    PyErr_SetString(PyExc_ValueError, "axpy() needs two arrays of the same dtype, shape and order");
    goto done;
  }
  int dtype = shim_buffer_dtype(&a);
  Py_ssize_t count = a.len / a.itemsize;
  Py_BEGIN_ALLOW_THREADS swiftlr_axpy(a.buf, b.buf, count, dtype, scale);
  Py_END_ALLOW_THREADS result = Py_NewRef(Py_None);
done:
  if (have_a) PyBuffer_Release(&a);
  if (have_b) PyBuffer_Release(&b);
  return result;
}

// torch_capability() -> str: the CPU capability torch would pick in this
// process ("default", "avx2", "avx512"), which decides SGD's arithmetic.
PyObject *shim_torch_capability(PyObject *Py_UNUSED(module), PyObject *Py_UNUSED(ignored)) {
  static const char *const names[] = {"default", "avx2", "avx512"};
  int32_t capability = swiftlr_torch_capability();
  return PyUnicode_FromString(names[capability >= 0 && capability <= 2 ? capability : 0]);
}

// sgd_kernels() -> str: the instruction set the SGD kernels were compiled for
// on this CPU ("portable", "avx2", "avx512"), for the benchmarks' report.
PyObject *shim_sgd_kernels(PyObject *Py_UNUSED(module), PyObject *Py_UNUSED(ignored)) {
  return PyUnicode_FromString(swiftlr_kernels_name());
}
