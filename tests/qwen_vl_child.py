"""Run by tests/test_export_consumers.py in a child process: Qwen2-VL's own code on a ``messages.jsonl``
export, with torchvision on the path.

PyPI's torchvision wheels are CUDA builds: beside the CPU torch build their C extension does not load,
and ``import torchvision`` then stops where it registers fake kernels for two of those C ops
(``torchvision::nms``, ``torchvision::qnms``). Declaring the two op schemas first lets the import
finish; ``torchvision.extension._has_ops()`` stays False, so any C op would still fail loudly. What the
video path uses — frame resizing in ``torchvision.transforms`` — is plain torch. Decoding is decord's
(qwen-vl-utils' first choice; torchvision 0.28 has no ``read_video`` any more).

Usage: ``python qwen_vl_child.py EXPORT_DIR`` (torchvision and decord on PYTHONPATH); prints JSON.
"""
import json
import os
import sys

import torch

for op in ("nms", "qnms"):
    torch.library.define(f"torchvision::{op}", "(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
import torchvision  # noqa: E402
import transformers  # noqa: E402
from qwen_vl_utils import vision_process  # noqa: E402
from tokenizers import Tokenizer, models, pre_tokenizers  # noqa: E402

# Qwen2-VL-7B-Instruct's chat_template (chat_template.json on the Hub; the same text is in
# xorbitsai/inference c70ea74, xinference/model/llm/llm_family_modelscope.json), verbatim.
QWEN2_VL_CHAT_TEMPLATE = (
    "{% set image_count = namespace(value=0) %}{% set video_count = namespace(value=0) %}{% for message in messages %}"
    "{% if loop.first and message['role'] != 'system' %}<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n"
    "{% endif %}<|im_start|>{{ message['role'] }}\n{% if message['content'] is string %}{{ message['content'] }}"
    "<|im_end|>\n{% else %}{% for content in message['content'] %}{% if content['type'] == 'image' or 'image' in "
    "content or 'image_url' in content %}{% set image_count.value = image_count.value + 1 %}{% if add_vision_id %}"
    "Picture {{ image_count.value }}: {% endif %}<|vision_start|><|image_pad|><|vision_end|>{% elif content['type'] "
    "== 'video' or 'video' in content %}{% set video_count.value = video_count.value + 1 %}{% if add_vision_id %}"
    "Video {{ video_count.value }}: {% endif %}<|vision_start|><|video_pad|><|vision_end|>{% elif 'text' in content %}"
    "{{ content['text'] }}{% endif %}{% endfor %}<|im_end|>\n{% endif %}{% endfor %}{% if add_generation_prompt %}"
    "<|im_start|>assistant\n{% endif %}"
)
SPECIAL = ["<|im_start|>", "<|im_end|>", "<|vision_start|>", "<|vision_end|>", "<|image_pad|>", "<|video_pad|>"]


def qwen2_vl_processor():
    """Qwen2-VL's processor from code: its PIL image processor (torchvision's JPEG decoder is a C op) and its
    video processor with their defaults, a word-level tokenizer holding Qwen's special tokens (the real
    vocabulary needs a download) and its chat template."""
    words = Tokenizer(models.WordLevel({t: i for i, t in enumerate(SPECIAL + ["<unk>"])}, unk_token="<unk>"))
    words.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer = transformers.PreTrainedTokenizerFast(tokenizer_object=words, unk_token="<unk>",
                                                     additional_special_tokens=SPECIAL)
    return transformers.Qwen2VLProcessor(image_processor=transformers.Qwen2VLImageProcessorPil(), tokenizer=tokenizer,
                                         video_processor=transformers.Qwen2VLVideoProcessor(),
                                         chat_template=QWEN2_VL_CHAT_TEMPLATE)


def main(export_dir: str) -> None:
    os.chdir(export_dir)  # media paths are relative to the export's root
    rows = [json.loads(line) for line in open("messages.jsonl", encoding="utf-8")]
    row = next(r for r in rows if r["videos"])
    proc = qwen2_vl_processor()
    # the Qwen2-VL model card's recipe: the template's text, the media from qwen-vl-utils, then the processor
    # (transformers' own video loading wants torchcodec, which needs FFmpeg's shared libraries)
    text = proc.apply_chat_template(row["messages"][:1], tokenize=False, add_generation_prompt=True)
    images, videos, video_kwargs = vision_process.process_vision_info(row["messages"], return_video_kwargs=True)
    batch = proc(text=[text], images=images, videos=videos, do_resize=False, return_tensors="pt")
    pad = proc.tokenizer.convert_tokens_to_ids("<|video_pad|>")
    qwen_image_sizes = [[list(im.size) for im in vision_process.process_vision_info(r["messages"])[0]]
                        for r in rows if r["images"]]
    image_row = next(r for r in rows if len(r["images"]) == 2)
    image_batch = proc.apply_chat_template(image_row["messages"][:1], tokenize=True, return_dict=True)
    image_pad = proc.tokenizer.convert_tokens_to_ids("<|image_pad|>")
    print(json.dumps({
        "torchvision": torchvision.__version__, "torchvision_ops": torchvision.extension._has_ops(),
        "qwen_backend": vision_process.get_video_reader_backend(), "qwen_images": images,
        "qwen_videos": [list(v.shape) for v in videos], "qwen_fps": video_kwargs.get("fps"),
        "qwen_image_sizes": qwen_image_sizes, "image_counts": [len(r["images"]) for r in rows if r["images"]],
        "text": proc.apply_chat_template(row["messages"], tokenize=False), "video": row["videos"][0],
        "video_pad_tokens": batch["input_ids"][0].tolist().count(pad),
        "video_grid_thw": batch["video_grid_thw"].tolist(), "merge_size": proc.video_processor.merge_size,
        "image_pad_tokens": list(image_batch["input_ids"][0]).count(image_pad),
        "image_grid_thw": image_batch["image_grid_thw"].tolist(),
        "prompt": row["messages"][0]["content"][-1]["text"], "answer": row["messages"][1]["content"][0]["text"],
    }))


if __name__ == "__main__":
    main(sys.argv[1])
