// The `swiftlr._swiftlr` extension module: registers the shim's types and
// functions. See shim.h for what each file holds.
#include "shim.h"
#include "swiftlr_python.h"

static PyMethodDef module_methods[] = {
    {"sgd_step", (PyCFunction)(void (*)(void))shim_sgd_step, METH_FASTCALL,
     "sgd_step(param_groups, state, zeros_like, relayout, fma) -> None\n\n"
     "One SGD step of every parameter with a gradient in every group (dicts with lr,\n"
     "momentum, dampening, weight_decay, nesterov, maximize, params). state: the\n"
     "optimizer's defaultdict of per-parameter dicts; zeros_like(data) makes a new\n"
     "momentum buffer, relayout(data, grad) copies a gradient into data's layout;\n"
     "fma: round each x + a*y once (torch's AVX2/AVX-512 kernels) or twice (default).\n"
     "All inputs are checked before any write; the update runs without the GIL."},
    {"adam_step", (PyCFunction)(void (*)(void))shim_adam_step, METH_FASTCALL,
     "adam_step(param_groups, state, zeros_like, relayout, new_step, capability) -> None\n\n"
     "One Adam step of every parameter with a gradient in every group (dicts with lr,\n"
     "betas, eps, weight_decay, amsgrad, maximize, decoupled_weight_decay, params),\n"
     "bit for bit as torch's fused CPU kernel. zeros_like(data) makes new moments,\n"
     "new_step() a new float32 step count. All inputs are checked before any write;\n"
     "the update runs without the GIL."},
    {"clip_grad_norm", (PyCFunction)(void (*)(void))shim_clip_grad_norm, METH_FASTCALL,
     "clip_grad_norm(parameters, max_norm, norm_type, error_if_nonfinite, as_array) -> (float, bool)\n\n"
     "torch's total norm of the gradients of `parameters` (and whether it is float64),\n"
     "then, unless max_norm is None, every gradient scaled by torch's clamped coefficient.\n"
     "as_array(grad) gives an array over a gradient without the buffer protocol. The\n"
     "work runs without the GIL; a failed call changes nothing."},
    {"clip_grad_value", (PyCFunction)(void (*)(void))shim_clip_grad_value, METH_FASTCALL,
     "clip_grad_value(parameters, clip_value, as_array) -> None\n\n"
     "Every gradient of `parameters` clamped into [-clip_value, clip_value], without the GIL."},
    {"sgd_number", (PyCFunction)(void (*)(void))shim_sgd_number, METH_FASTCALL,
     "sgd_number(value, name) -> float\n\n"
     "An SGD or Adam hyperparameter as the step reads it: a number, numpy scalar, or 0-d\n"
     "array or tensor, as a float (TypeError naming `name` otherwise)."},
    {"sgd_check", (PyCFunction)shim_sgd_check, METH_O,
     "sgd_check(values) -> None\n\n"
     "torch.optim.SGD's constructor checks of the dict `values` (lr, momentum, dampening,\n"
     "weight_decay, nesterov), the core's, raising PyTorch's ValueError in its words."},
    {"sgd_kernels", (PyCFunction)shim_sgd_kernels, METH_NOARGS,
     "sgd_kernels() -> str\n\n"
     "The instruction set the SGD kernels run with on this CPU: 'portable', 'avx2' or 'avx512'."},
    {"torch_capability", (PyCFunction)shim_torch_capability, METH_NOARGS,
     "torch_capability() -> str\n\n"
     "The CPU capability torch would pick in this process, 'default', 'avx2' or 'avx512'\n"
     "(ATEN_CPU_CAPABILITY if set to one of them, else the widest this CPU has), read\n"
     "once without importing torch. It decides SGD's rounding: see swiftlr.optim.SGD."},
    {"axpy", (PyCFunction)(void (*)(void))shim_axpy, METH_FASTCALL,
     "axpy(a, b, scale) -> None\n\n"
     "a += scale * b in place over all cores, without the GIL: the benchmarks'\n"
     "memory-bandwidth yardstick. a and b: float32 or float64 arrays alike."},
    {"schedule_values", (PyCFunction)(void (*)(void))shim_schedule_values, METH_FASTCALL,
     "schedule_values(kind, config, steps, inputs=None, closed_form=False, out=None) -> out or bytearray\n\n"
     "The lr of group 0 of the scheduler `kind` (built fresh from `config`) after `k` calls\n"
     "of step() (or, with closed_form, after step(k)) for each k of `steps`, a contiguous\n"
     "int64 buffer, as native float64 bytes. `inputs`: per-step inputs, the same at every\n"
     "step. `out`: a float64 buffer of the steps' length to fill. The loop runs without the GIL."},
    {"scheduler_arguments", (PyCFunction)shim_scheduler_arguments, METH_O,
     "scheduler_arguments(kind) -> tuple\n\n"
     "The constructor arguments the Swift scheduler `kind` declares, in PyTorch's order:\n"
     "(name, conversion, default, checked_first) each; default is REQUIRED for a required one."},
    {"scheduler_fields", (PyCFunction)shim_scheduler_fields, METH_O,
     "scheduler_fields(kind) -> tuple\n\n"
     "The state fields the Swift scheduler `kind` declares that are PyTorch's attributes,\n"
     "in declaration order: the Python class's state attributes."},
    {"scheduler_group_inputs", (PyCFunction)(void (*)(void))shim_scheduler_group_inputs, METH_FASTCALL,
     "scheduler_group_inputs(kind, cycle_momentum) -> tuple\n\n"
     "The param-group keys whose values a step of the Swift scheduler `kind` takes as its\n"
     "inputs, one run per group in this order (OneCycleLR's bounds, SWALR's swa_lr)."},
    {"check_arguments", (PyCFunction)(void (*)(void))shim_check_arguments, METH_FASTCALL,
     "check_arguments(kind, values) -> None\n\n"
     "Runs the declared checks of the arguments in the dict `values` (and no others),\n"
     "raising PyTorch's exception for the first bad one."},
    {"anneal_weight", (PyCFunction)(void (*)(void))shim_anneal_weight, METH_FASTCALL,
     "anneal_weight(strategy, t) -> float\n\n"
     "SWALR's annealing weight at t for 'cos' or 'linear' (NaN for another strategy)."},
    {"cyclic_cycle", (PyCFunction)(void (*)(void))shim_cyclic_cycle, METH_FASTCALL,
     "cyclic_cycle(total_size, step) -> int\n\n"
     "CyclicLR's cycle number at `step`, floor(1 + step / total_size): what a scale_fn gets."},
    {"cyclic_scale", (PyCFunction)(void (*)(void))shim_cyclic_scale, METH_FASTCALL,
     "cyclic_scale(mode, gamma, x) -> float\n\n"
     "A CyclicLR policy's scale at x: 'triangular', 'triangular2' or 'exp_range'."},
    {"write_group", (PyCFunction)(void (*)(void))shim_write_group, METH_FASTCALL,
     "write_group(group, key, value)\n\n"
     "PyTorch's write of a param-group value, the one the C step makes: a tensor lr is\n"
     "filled in place with float(value), 'beta1' replaces betas[0], anything else is assigned."},
    {"warn_step", (PyCFunction)(void (*)(void))scheduler_warn_step, METH_FASTCALL,
     "warn_step(optimizer, step_count, epoch)\n\n"
     "PyTorch's warnings before a step (call order at step_count 1, a deprecated epoch not None),\n"
     "the C step's own, for the Python step of a user subclass."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT,
    .m_name = "swiftlr._swiftlr",
    .m_doc = "The Swift core of swiftlr (private; use the swiftlr package).",
    .m_size = -1,
    .m_methods = module_methods,
};

/// `REQUIRED`: the default `scheduler_arguments` gives a required argument.
static int add_required(PyObject *module) {
  PyObject *sentinel = PyObject_CallObject((PyObject *)&PyBaseObject_Type, NULL);
  if (sentinel == NULL) return -1;
  int status = PyModule_AddObjectRef(module, "REQUIRED", sentinel);
  Py_DECREF(sentinel);
  return status;
}

__attribute__((visibility("default"))) PyMODINIT_FUNC PyInit__swiftlr(void) {
  if (shim_str_lr == NULL) {
    shim_str_lr = PyUnicode_InternFromString("lr");
    if (shim_str_lr == NULL) return NULL;
  }
  if (shim_scheduler_ready() < 0) return NULL;
  PyObject *module = PyModule_Create(&module_def);
  if (module == NULL) return NULL;
  if (PyModule_AddObjectRef(module, "NativeScheduler", (PyObject *)&NativeScheduler_Type) < 0 ||
      scheduler_add_warnings(module) < 0 || add_required(module) < 0) {
    Py_DECREF(module);
    return NULL;
  }
  return module;
}
