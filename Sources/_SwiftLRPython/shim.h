// Shared helpers of the CPython shim (internal).
#ifndef SWIFTLR_SHIM_H
#define SWIFTLR_SHIM_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stddef.h>

#include "swiftlr_abi.h"

/// Interned "lr", looked up on every scheduler step.
extern PyObject *shim_str_lr;

#if PY_VERSION_HEX < 0x030D0000
// `getattr(o, name, None)` without raising AttributeError (3.13's name).
#define PyObject_GetOptionalAttr _PyObject_LookupAttr
#endif

/// Whether the function `name` got `want` arguments; 0 with a TypeError set when not.
static inline int shim_arity(const char *name, Py_ssize_t nargs, Py_ssize_t want) {
  if (nargs == want) return 1;
  PyErr_Format(PyExc_TypeError, "%s() takes %zd arguments (%zd given)", name, want, nargs);
  return 0;
}

/// Interns each of `names` into the matching `slots` that is still NULL; -1 with an exception set.
static inline int shim_intern(PyObject **const slots[], const char *const names[], size_t count) {
  for (size_t k = 0; k < count; k++) {
    if (*slots[k] == NULL && (*slots[k] = PyUnicode_InternFromString(names[k])) == NULL) return -1;
  }
  return 0;
}

/// Raises the Python exception for a failed core call (`status` != OK).
/// Always returns NULL.
PyObject *shim_raise(int32_t status, const swiftlr_message *message);

/// Fills a fresh config from a dict of name -> bool, int, float, str, None,
/// or a list/tuple of ints or floats. Returns NULL with an exception set.
swiftlr_config *shim_config_from_dict(PyObject *dict);

/// An epoch of PyTorch's deprecated `step(epoch)` as the core takes it: an
/// int (a numpy integer too) exactly as SWIFTLR_INT, anything else as a float
/// (SWIFTLR_DOUBLE). Returns -1 with an exception set: OverflowError for an
/// int beyond 64 bits.
int shim_epoch(PyObject *epoch, swiftlr_value *out);

/// Converts a value read from the core to a new Python object.
PyObject *shim_value_to_object(const swiftlr_value *value);

/// The longest list swiftlr hands to the core (2**20 values, 8 MB): longer
/// ones raise ValueError before any allocation, so that no copy or sort the
/// core makes of user input is large enough to fail (Swift would abort).
#define SHIM_MAX_LENGTH (1 << 20)

/// Reads a sequence of numbers into a new double array (PyMem_Free it).
/// Returns -1 with an exception set.
int shim_doubles_from_sequence(PyObject *sequence, const char *what, double **out, Py_ssize_t *count);

/// The SWIFTLR_LR_* code of a group's lr: float64 for Python numbers and
/// anything without a torch float dtype. May run Python code; -1 on error.
int shim_lr_precision(PyObject *lr);

/// A new list of floats.
PyObject *shim_doubles_to_list(const double *values, Py_ssize_t n);

extern PyTypeObject NativeScheduler_Type;

/// Interns the scheduler type's strings and readies the type; -1 on error.
int shim_scheduler_ready(void);

/// What a `Py_buffer` holds: SWIFTLR_FLOAT32, SWIFTLR_FLOAT64, or -1.
int shim_buffer_dtype(const Py_buffer *view);

/// Same shape, item size and strides (along dimensions longer than one).
int shim_same_layout(const Py_buffer *a, const Py_buffer *b);

/// "(3,4)" into `out`.
void shim_describe_shape(const Py_buffer *v, char *out, size_t size);

/// Takes a writable (or read-only) float buffer of `object`, contiguous if
/// `contiguous`; on failure raises naming `role` and `index`, holding nothing.
int shim_take_strided(PyObject *object, Py_buffer *view, int writable, int contiguous, const char *role,
                      Py_ssize_t index);

/// `shim_take_strided` of a contiguous buffer.
int shim_take(PyObject *object, Py_buffer *view, int writable, const char *role, Py_ssize_t index);

/// Adds the step warnings' texts to the module (EPOCH_DEPRECATION_WARNING, ...).
int scheduler_add_warnings(PyObject *module);

// MARK: optimizers (optim_params.c: what SGD and Adam read alike)

/// `swiftlr.Parameter`, or NULL if it cannot be imported.
PyTypeObject *shim_parameter_type(void);

/// `param.<name>` as a new reference; for exactly `fast`, its slot `slot`.
PyObject *shim_param_attr(PyObject *param, PyObject *name, PyObject *slot, PyTypeObject *fast);

/// A hyperparameter as the step reads it (number, numpy scalar, 0-d array or
/// tensor); TypeError naming `name` otherwise.
int shim_optim_number(PyObject *value, const char *name, double *out);

/// A number that only a change to the dict holding it can change (an exact
/// float or int): options read from such values may be remembered.
static inline int shim_exact_number(PyObject *value) { return PyFloat_CheckExact(value) || PyLong_CheckExact(value); }

/// A flag that only a change to the dict holding it can change.
static inline int shim_exact_flag(PyObject *value) {
  return PyBool_Check(value) || value == Py_None || PyLong_CheckExact(value);
}

/// `group[key]`, a new reference (KeyError when missing).
PyObject *shim_group_item(PyObject *group, PyObject *key);

/// Reads each `group[keys[k]]` into `*out[k]` as a hyperparameter named
/// `names[k]` (`shim_optim_number`): 1 when every value was an exact number,
/// else 0; -1 with an exception set.
int shim_read_numbers(PyObject *group, PyObject *const keys[], const char *const names[], double *const out[],
                      int count);

/// Reads the truth of each `group[keys[k]]` into `*out[k]`: 1 when every
/// value was an exact flag, else 0; -1 with an exception set.
int shim_read_flags(PyObject *group, PyObject *const keys[], int32_t *const out[], int count);

/// A weak reference to `object` in *weak (numpy then refuses to resize it).
int shim_pin(PyObject *object, PyObject **weak);

/// Takes a gradient's buffer in the parameter's layout (see optim_params.c).
int shim_take_grad(PyObject **grad, PyObject **weak, Py_buffer *grad_view, char *taken, PyObject *data,
                   const Py_buffer *param_view, PyObject *relayout, Py_ssize_t i);

/// Takes a state array's writable buffer, checked against the parameter's;
/// `role` as messages name it ("exp_avg of parameter").
int shim_take_state(PyObject *array, PyObject **weak, Py_buffer *view, char *taken, const Py_buffer *param_view,
                    const char *role, Py_ssize_t i);

enum { SHIM_STACK_GROUPS = 8, SHIM_STACK_ENTRIES = 16 };

/// Reads one param group's options (hyperparameters and flags, each
/// converted once) into its option struct. Returns -1 with an exception set,
/// 1 when every value it read was an exact float, int, bool, None or tuple of
/// numbers (nothing can change them but a change to the dict: the options
/// may be remembered while the dict's version stays), else 0.
typedef int (*shim_read_options)(PyObject *group, void *options);

/// What an optimizer step sets up before its kernel runs: a tuple of the
/// groups, each group's options and a tuple of its params, and room for one
/// entry and one ABI tensor per parameter (on the stack while small).
/// `shim_step_begin` fills it; `shim_step_end` releases it (also after a
/// failed begin). A plain dict group unchanged since a step read its options
/// (its dict version, CPython 3.11-3.13) is not read again: only its params.
typedef struct {
  PyObject *groups;
  PyObject **params;
  void *options, *entries, *tensors;
  size_t entry_size, tensor_size;
  Py_ssize_t group_count, groups_read, capacity, used;  // used: entries filled (`shim_step_params`)
  PyObject *stack_params[SHIM_STACK_GROUPS];
  _Alignas(max_align_t) char stack_options[SHIM_STACK_GROUPS * 80];
  _Alignas(max_align_t) char stack_entries[SHIM_STACK_ENTRIES * 640];
  _Alignas(max_align_t) char stack_tensors[SHIM_STACK_ENTRIES * 80];
} shim_step;

int shim_step_begin(shim_step *s, PyObject *groups, size_t option_size, size_t entry_size, size_t tensor_size,
                    shim_read_options read_options);
void shim_step_end(shim_step *s, void (*release)(void *entry));

/// What every optimizer's entry begins with: one parameter with a gradient,
/// its data and gradient (`arrays`), each pinned (`weak`) with its buffer
/// taken (`views`, where `taken`), and its state dict (`shim_param_state`).
typedef struct {
  PyObject *param, *param_state;
  PyObject *arrays[2], *weak[2];  // data, grad
  Py_buffer views[2];
  char taken[2];
} shim_param;

/// The optimizer's part of parameter `i`'s entry (of group `g`): its state
/// arrays, and its ABI tensor in `tensor`. -1 with an exception set.
typedef int (*shim_fill_param)(shim_param *entry, void *tensor, Py_ssize_t g, Py_ssize_t i, void *context);

/// Fills an entry for every parameter with a gradient, in order (`s->used`
/// of them): its data and gradient (`relayout` as in `shim_take_grad`), then
/// `fill`; every object held by a strong reference, as user code may run at
/// any read. -1 with an exception set; `shim_step_end` releases the entries either way.
int shim_step_params(shim_step *s, PyObject *relayout, shim_fill_param fill, void *context);

/// `state[param]` (a dict) into `e->param_state`, or NULL when there is none
/// yet (it is made only once the step has succeeded). -1 with an exception set.
int shim_param_state(shim_param *e, PyObject *state);

/// Releases what a `shim_param` holds (inline: it runs for every parameter at every step).
static inline void shim_param_release(shim_param *e) {
  for (int k = 0; k < 2; k++) {
    if (e->taken[k]) PyBuffer_Release(&e->views[k]);
    Py_CLEAR(e->weak[k]);
    Py_CLEAR(e->arrays[k]);
  }
  Py_CLEAR(e->param);
  Py_CLEAR(e->param_state);
}

PyObject *shim_adam_step(PyObject *module, PyObject *const *args, Py_ssize_t nargs);
PyObject *shim_sgd_step(PyObject *module, PyObject *const *args, Py_ssize_t nargs);
PyObject *shim_clip_grad_norm(PyObject *module, PyObject *const *args, Py_ssize_t nargs);
PyObject *shim_clip_grad_value(PyObject *module, PyObject *const *args, Py_ssize_t nargs);
PyObject *shim_sgd_kernels(PyObject *module, PyObject *ignored);
PyObject *shim_torch_capability(PyObject *module, PyObject *ignored);
PyObject *shim_sgd_number(PyObject *module, PyObject *const *args, Py_ssize_t nargs);
PyObject *shim_sgd_check(PyObject *module, PyObject *values);
PyObject *shim_schedule_values(PyObject *module, PyObject *const *args, Py_ssize_t nargs);
PyObject *shim_axpy(PyObject *module, PyObject *const *args, Py_ssize_t nargs);
PyObject *shim_scheduler_arguments(PyObject *module, PyObject *kind);
PyObject *shim_scheduler_fields(PyObject *module, PyObject *kind);
PyObject *shim_scheduler_group_inputs(PyObject *module, PyObject *const *args, Py_ssize_t nargs);
PyObject *shim_check_arguments(PyObject *module, PyObject *const *args, Py_ssize_t nargs);
PyObject *shim_anneal_weight(PyObject *module, PyObject *const *args, Py_ssize_t nargs);
PyObject *shim_cyclic_cycle(PyObject *module, PyObject *const *args, Py_ssize_t nargs);
PyObject *shim_cyclic_scale(PyObject *module, PyObject *const *args, Py_ssize_t nargs);
PyObject *shim_write_group(PyObject *module, PyObject *const *args, Py_ssize_t nargs);
PyObject *scheduler_warn_step(PyObject *module, PyObject *const *args, Py_ssize_t nargs);

#endif  // SWIFTLR_SHIM_H
