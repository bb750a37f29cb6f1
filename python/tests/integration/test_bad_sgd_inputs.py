"""Bad inputs, as in ``test_bad_inputs.py`` (each case in its own process, a
clean exception that changes nothing, never a crash): SGD's hyperparameters and arrays.
"""

from __future__ import annotations

from .subprocess_cases import bad_input_suite

# (case id, script body). Bodies run after PRELUDE; each ends in CASE-OK.
CASES: list[tuple[str, str]] = [
    # MARK: SGD hyperparameters and arrays
    (
        "sgd_hyperparameters",
        """
        p = swiftlr.Parameter(np.zeros(3))
        fails(ValueError, lambda: optim.SGD([p], lr=-0.1), "Invalid learning rate: -0.1", p)
        fails(ValueError, lambda: optim.SGD([p], lr=0.1, momentum=-1), "Invalid momentum value: -1", p)
        fails(ValueError, lambda: optim.SGD([p], lr=0.1, weight_decay=-1), "Invalid weight_decay value: -1", p)
        fails(ValueError, lambda: optim.SGD([p], lr=0.1, nesterov=True), "Nesterov momentum requires a momentum", p)
        fails(TypeError, lambda: optim.SGD([p], lr="x"), "not supported", p)
        fails(ValueError, lambda: optim.SGD([], lr=0.1), "optimizer got an empty parameter list", p)
        fails(TypeError, lambda: optim.SGD(p, lr=0.1), "iterable", p)
        fails(TypeError, lambda: optim.SGD([np.zeros(3)], lr=0.1), "optimizer can only optimize swiftlr.Parameter objects, but one of the params is ndarray", p)
        fails(ValueError, lambda: optim.SGD([p, p], lr=0.1), "duplicate parameters", p)
    """,
    ),
    (
        "sgd_group_values_changed_to_bad",
        """
        o = make_opt()
        o.param_groups[1]["lr"] = "x"
        fails(TypeError, o.step, "lr must be a number", o)
        o.param_groups[1]["lr"] = 2**2000
        fails(OverflowError, o.step, "too large", o)
        o.param_groups[1]["lr"] = 0.05
        o.param_groups[1]["nesterov"] = np.array([1, 2])
        fails(ValueError, o.step, "ambiguous", o)
    """,
    ),
    (
        "parameter_rejects_non_float",
        """
        for bad in (np.arange(3), np.ones(3, bool), np.ones(3, complex), "abc", np.ones(3, np.float16), [1, 2]):
            try:
                swiftlr.Parameter(bad)
            except TypeError as e:
                assert "float32 or float64" in str(e)
            else:
                raise AssertionError(bad)
        p = swiftlr.Parameter([1.0, 2.0])
        assert p.dtype == np.float64
        for bad in (np.arange(2), np.ones(2, complex), "ab"):
            fails(TypeError, lambda: setattr(p, "grad", bad), "float32 or float64", p)
        fails(TypeError, lambda: setattr(p, "grad", np.ones(2, np.float32)), "different type", p)
        fails(ValueError, lambda: setattr(p, "grad", np.ones(3)), "different size", p)
    """,
    ),
    (
        "sgd_bypassed_setters_bad_buffers",
        """
        o = make_opt()
        a, b = [g["params"][0] for g in o.param_groups]
        for bad, exc, match in ((np.ones(4, np.int64), TypeError, "float32 or float64"),
                                (np.ones(4, bool), TypeError, "float32 or float64"),
                                (np.ones(4, complex), TypeError, "float32 or float64"),
                                ("abcd", TypeError, "float32 or float64 array"),
                                ([1.0] * 4, TypeError, "float32 or float64 array"),
                                (np.ones(5), ValueError, "shape"),
                                (np.ones(4, np.float32), TypeError, "format")):
            b._grad = bad
            fails(exc, o.step, match, o)
    """,
    ),
    (
        "sgd_read_only_parameter",
        """
        o = make_opt()
        a, b = [g["params"][0] for g in o.param_groups]
        b.data.setflags(write=False)
        fails(ValueError, o.step, "writable", o)
        ro = np.ones(4); ro.setflags(write=False)
        b.data.setflags(write=True)
        b.grad = ro  # a read-only gradient is fine
        o.step()
    """,
    ),
    (
        "sgd_noncontiguous_and_fortran",
        """
        # Gradients in any layout give the contiguous result; a non-contiguous
        # parameter cannot be updated in place and is refused.
        results = []
        for arrange in (np.ascontiguousarray, np.asfortranarray, lambda g: np.repeat(g, 2, 1)[:, ::2]):
            p = swiftlr.Parameter(np.ones((3, 4)))
            o = optim.SGD([p], lr=0.1, momentum=0.9)
            for k in range(3):
                p.grad = arrange(np.arange(12.0).reshape(3, 4) * (k + 1))
                o.step()
            results.append(p.data.tobytes())
        assert len(set(results)) == 1
        f = swiftlr.Parameter(np.asfortranarray(np.ones((3, 4))))
        f.grad = np.ones((3, 4))
        optim.SGD([f], lr=0.5).step()
        assert (f.data == 0.5).all() and f.data.flags.f_contiguous
        view = swiftlr.Parameter(np.ones((3, 8))[:, ::2])
        view.grad = np.ones((3, 4))
        o = optim.SGD([view], lr=0.1)
        fails(ValueError, o.step, "not contiguous", o)
    """,
    ),
    (
        "sgd_parameter_resized_or_retyped",
        """
        p = swiftlr.Parameter(np.ones(3))
        o = optim.SGD([p], lr=0.1, momentum=0.9)
        p.grad = np.ones(3)
        o.step()
        p.data = np.ones(5); p.grad = np.ones(5)
        fails(ValueError, o.step, "resized or retyped", o)
        p.data = np.ones(3, np.float32); p.grad = np.ones(3, np.float32)
        fails(ValueError, o.step, "resized or retyped", o)
        p.data = np.ones(3); p._grad = np.ones(3, np.float32)
        fails(TypeError, o.step, "format", o)
    """,
    ),
    (
        "sgd_zero_d_and_empty",
        """
        for data in (np.array(3.0), np.float64(3.0), np.zeros((0, 3)), np.zeros(0, np.float32)):
            p = swiftlr.Parameter(data)
            o = optim.SGD([p], lr=0.5, momentum=0.9, nesterov=True, weight_decay=0.1)
            p.grad = np.ones_like(p.data)
            o.step(); o.step()
            assert p.data.shape == np.shape(data)
        p = swiftlr.Parameter(np.array(2.0))
        p.grad = np.array(1.0)
        optim.SGD([p], lr=0.5).step()
        assert float(p.data) == 1.5
    """,
    ),
    (
        "sgd_nan_inf_gradients",
        """
        p = swiftlr.Parameter(np.zeros(4))
        q = swiftlr.Parameter(np.zeros(4, np.float32))
        o = optim.SGD([p, q], lr=0.1, momentum=0.9)
        p.grad = np.array([np.nan, np.inf, -np.inf, 1.0])
        q.grad = np.array([np.nan, np.inf, -np.inf, 1.0], np.float32)
        o.step()
        for a in (p.data, q.data):
            assert np.isnan(a[0]) and a[1] == -np.inf and a[2] == np.inf and a[3] == -a.dtype.type(0.1)
    """,
    ),
    (
        "sgd_huge_values_overflow_to_inf",
        """
        p = swiftlr.Parameter(np.full(9, 3e38, np.float32))
        p.grad = np.full(9, -3e38, np.float32)
        optim.SGD([p], lr=10.0).step()
        assert np.isinf(p.data).all()
    """,
    ),
]

test_the_battery_is_large_enough, test_bad_input = bad_input_suite(CASES, minimum=10)
