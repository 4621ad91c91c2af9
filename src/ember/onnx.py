"""``ember.onnx``: present so that scripts importing ``torch.onnx`` at the top still run;
ember cannot export to ONNX."""

__all__ = ["export"]


def export(model, args, f=None, *rest, **kwargs):
    raise NotImplementedError("ember.onnx.export: ember cannot export ONNX graphs; save the weights with "
                              "ember.save(model.state_dict(), 'model.safetensors') and rebuild the model in "
                              "the target framework (parameter names follow torch's)")
