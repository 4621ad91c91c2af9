"""The small PyTorch habits, each against torch's own answer: ``.data``, devices, ``Size``,
the accelerator questions, ``utils.data``, ``out=``, the small Tensor methods, saving and
loading, random state."""
import io

import numpy as np
import pytest

import ember
import ember.nn as nn

torch = pytest.importorskip("torch")

pytestmark = pytest.mark.usefixtures("torch_float32_default")


def test_data_is_a_detached_tensor_sharing_the_array_with_its_own_version():
    w = nn.Parameter(ember.ones(2, 3))
    d = w.data
    assert type(d) is ember.Tensor and not d.requires_grad and d.grad_fn is None
    d.add_(1)                                   # torch's old optimizer idiom: p.data.add_(...)
    np.testing.assert_array_equal(w.numpy(force=True), np.full((2, 3), 2.0))
    y = (w * w).sum()                           # autograd does not see changes through .data
    w.data.mul_(0)
    y.backward()
    np.testing.assert_array_equal(w.grad.numpy(), np.zeros((2, 3)))
    w.data = ember.full((2, 3), 5.0)            # assigning .data swaps the values, keeps the Parameter
    assert isinstance(w, nn.Parameter) and w.requires_grad and float(w.sum()) == 30.0
    with pytest.raises(TypeError, match="data: expected a Tensor"):
        w.data = np.ones((2, 3))
    assert float(w.data.norm()) == pytest.approx(float(torch.full((2, 3), 5.0).norm()))


def test_device_type_and_comparisons_match_torch():
    for spec in ["cpu", "cuda", "cuda:1"]:
        e, t = ember.device(spec), torch.device(spec)
        assert (e.type, e.index, str(e), repr(e)) == (t.type, t.index, str(t), repr(t))
    assert ember.device("cuda", 0) == ember.device("cuda:0") and ember.device("cpu") == "cpu"
    assert ember.device("cpu") != ember.device("cuda") and len({ember.device("cpu"), ember.device("cpu")}) == 1
    x = ember.ones(2)
    assert x.device == ember.device("cpu") and x.device.type == "cpu" and not x.is_cuda
    assert x.to(ember.device("cpu")) is x and x.to("cpu", ember.float64).dtype == np.float64
    assert x.to(ember.zeros(1, dtype=ember.int64)).dtype == np.int64
    with pytest.raises(RuntimeError, match="expected one of cpu, cuda"):
        ember.device("tpu")
    ember.set_default_device("cpu")
    assert ember.get_default_device() == "cpu" and ember.zeros(1).device == "cpu"
    if not ember.cuda.is_available():
        with pytest.raises(RuntimeError, match="needs CuPy and a GPU"):
            ember.set_default_device("cuda")


def test_accelerator_questions_answer_truthfully():
    gpu = ember.backend.cupy_available()
    assert ember.cuda.is_available() is gpu and ember.accelerator.is_available() is gpu
    assert ember.accelerator.current_accelerator() == (ember.device("cuda") if gpu else None)
    assert ember.backends.mps.is_available() is False and ember.backends.cudnn.is_available() is False
    ember.backends.cudnn.benchmark = True       # accepted, changes nothing
    ember.cuda.manual_seed_all(0)
    if not gpu:
        assert ember.cuda.device_count() == 0
        with pytest.raises(RuntimeError, match="no GPU is available"):
            ember.cuda.current_device()


def test_size_is_a_tuple_with_torchs_repr_and_numel():
    x, t = ember.zeros(2, 3, 4), torch.zeros(2, 3, 4)
    assert isinstance(x.shape, tuple) and x.shape == (2, 3, 4) and x.size() == t.size()
    assert repr(x.shape).replace("ember", "torch") == repr(t.shape)
    assert x.shape.numel() == 24 and isinstance(x.shape[1:], ember.Size) and x.size(-1) == 4


def test_utils_data_is_the_data_api():
    from ember.utils.data import DataLoader, TensorDataset, random_split
    assert DataLoader is ember.data.DataLoader and TensorDataset is ember.data.TensorDataset
    a, b = random_split(TensorDataset(ember.arange(10)), [7, 3], generator=ember.Generator().manual_seed(0))
    assert len(a) == 7 and len(b) == 3


def test_data_parallel_is_the_module_with_torchs_state_dict_prefix():
    lin = nn.Linear(3, 2)
    dp = nn.DataParallel(lin)
    x = ember.randn(4, 3)
    np.testing.assert_array_equal(dp(x).detach().numpy(), lin(x).detach().numpy())
    tdp = torch.nn.DataParallel(torch.nn.Linear(3, 2))
    assert sorted(dp.state_dict()) == sorted(tdp.state_dict()) == ["module.bias", "module.weight"]
    with pytest.raises(NotImplementedError, match="DistributedDataParallel: ember trains on one machine"):
        nn.parallel.DistributedDataParallel(lin)
    with pytest.raises(NotImplementedError, match="cannot export ONNX"):
        ember.onnx.export(lin, x, "m.onnx")


def test_out_keyword_writes_into_the_given_tensor():
    a, b = ember.randn(2, 3), ember.randn(3, 4)
    out = ember.empty(2, 4)
    assert ember.matmul(a, b, out=out) is out
    np.testing.assert_allclose(out.numpy(), (a @ b).numpy(), rtol=1e-6)
    c = ember.zeros(5)                          # a wrong shape is resized, as torch does
    ember.mul(ember.ones(2), 3.0, out=c)
    assert c.shape == (2,) and c.tolist() == [3.0, 3.0]
    values, indices = ember.empty(2), ember.empty(2, dtype=ember.int64)
    res = ember.max(a, 1, out=(values, indices))
    assert res.values is values and res.indices is indices
    np.testing.assert_array_equal(indices.numpy(), a.numpy().argmax(1))
    with pytest.raises(RuntimeError, match="can't be cast to the desired output type int64"):
        ember.add(ember.ones(2), 1.5, out=ember.zeros(2, dtype=ember.int64))
    with pytest.raises(RuntimeError, match="out=... arguments don't support automatic differentiation"):
        ember.mul(ember.ones(2, requires_grad=True), 2.0, out=ember.zeros(2))


def test_small_tensor_methods_match_torch():
    x, t = ember.arange(6.0), torch.arange(6.0)
    assert x.view_as(ember.zeros(2, 3)).shape == t.view_as(torch.zeros(2, 3)).shape
    assert x.type() == t.type().replace("torch", "ember") == "ember.FloatTensor"
    assert x.type(ember.int64).dtype == np.int64 and x.type("torch.DoubleTensor").dtype == np.float64
    s, ts = ember.tensor(3.14159), torch.tensor(3.14159)
    assert f"{s:.2f} {s:>8.3f}" == f"{ts:.2f} {ts:>8.3f}" and f"{x}" == str(x)
    with pytest.raises(TypeError, match="needs a 0-d tensor"):
        f"{x:.2f}"
    lin = nn.Linear(3, 2)
    y = lin(ember.randn(4, 3)).sum()
    (fn, _), = y.grad_fn.next_functions
    assert fn.name() == "LinearBackward"
    leaves = [f.variable for f, _ in fn.next_functions if isinstance(f, ember.autograd.function.AccumulateGrad)]
    assert {id(p) for p in leaves} == {id(lin.weight), id(lin.bias)}


def test_normal_and_uniform_in_place_follow_their_generator():
    w = nn.Parameter(ember.zeros(2000))
    w.data.normal_(0.0, 0.02, generator=ember.Generator().manual_seed(3))
    a = w.detach().numpy().copy()
    assert abs(a.mean()) < 0.002 and abs(a.std() - 0.02) < 0.002
    w.data.normal_(0.0, 0.02, generator=ember.Generator().manual_seed(3))
    np.testing.assert_array_equal(w.detach().numpy(), a)
    u = ember.empty(2000).uniform_(-1, 1)
    assert u.min() >= -1 and u.max() <= 1 and abs(float(u.mean())) < 0.06
    with pytest.raises(RuntimeError, match="leaf tensor that requires grad"):
        w.normal_()


def test_whole_module_save_is_refused_and_torch_load_arguments_are_accepted():
    model = nn.Linear(3, 2)
    with pytest.raises(TypeError, match=r"cannot save a whole Linear object.*state_dict\(\)"):
        ember.save(model, io.BytesIO())
    buf = io.BytesIO()
    ember.save({"model": model.state_dict(), "epoch": 3}, buf)
    buf.seek(0)
    with ember.serialization.safe_globals([nn.Linear]):
        back = ember.load(buf, map_location=ember.device("cpu"), weights_only=True)
    assert back["epoch"] == 3
    model.load_state_dict(back["model"])
    with pytest.raises(ValueError, match="map_location='cuda' is not supported"):
        ember.load(io.BytesIO(b""), map_location="cuda")


def test_random_state_round_trips_and_generators_are_accepted():
    ember.manual_seed(7)
    assert ember.initial_seed() == 7
    state = ember.get_rng_state()
    a = ember.randn(3)
    ember.set_rng_state(state)
    np.testing.assert_array_equal(ember.randn(3).numpy(), a.numpy())
    g = ember.Generator().manual_seed(1)
    p1 = ember.randperm(10, generator=g)
    g.manual_seed(1)
    assert ember.randperm(10, generator=g).tolist() == p1.tolist()
    ds = ember.utils.data.TensorDataset(ember.arange(8))
    order = lambda: [int(b[0][0]) for b in ember.utils.data.DataLoader(  # noqa: E731
        ds, batch_size=1, shuffle=True, generator=ember.Generator().manual_seed(5))]
    assert order() == order() and sorted(order()) == list(range(8))


def test_runtime_switches_and_type_questions():
    x = ember.ones(2, requires_grad=True)
    with ember.inference_mode():
        assert not (x * 2).requires_grad and ember.autograd.is_inference_mode_enabled()
    with ember.inference_mode(False):
        assert (x * 2).requires_grad

    @ember.inference_mode()
    def f(t):
        return t * 2
    assert not f(x).requires_grad and (x * 2).requires_grad
    model = nn.Linear(2, 2)
    assert ember.compile(model) is model and ember.compile()(model) is model
    ember.set_float32_matmul_precision("high")
    assert ember.get_float32_matmul_precision() == "high"
    with pytest.raises(ValueError, match="precision must be 'highest', 'high' or 'medium'"):
        ember.set_float32_matmul_precision("fast")
    import numba
    n, n_numba = ember.get_num_threads(), numba.get_num_threads()
    ember.set_num_threads(1)
    assert ember.get_num_threads() == 1 and numba.get_num_threads() == 1
    ember.set_num_threads(n)
    numba.set_num_threads(n_numba)
    assert ember.is_tensor(x) and not ember.is_tensor(np.ones(2))
    assert ember.numel(ember.zeros(2, 3)) == 6 and ember.is_floating_point(x)
    with pytest.raises(AttributeError, match="if you came for torch.kron: ember does not have it"):
        ember.kron
