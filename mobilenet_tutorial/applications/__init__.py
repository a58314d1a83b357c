"""MobileNets at work (chapter 10): face detection, face recognition and object detection.

- :mod:`.faces`: :func:`detect_faces` (RetinaFace-MobileNet0.25 with real weights: anchors,
  decoding, NMS), alignment by five landmarks, embeddings and their similarity matrix;
- :mod:`.detection`: torchvision's SSDLite dissected, and a tiny detector fine-tuned on
  synthetic shapes.

Every name is importable from ``mobilenet_tutorial.applications`` itself.
"""

from .faces import (
    ARCFACE_TEMPLATE,
    Faces,
    align_face,
    decode,
    default_detector,
    detect_faces,
    embed_faces,
    fit_within,
    prior_boxes,
    similarity_matrix,
    similarity_transform,
    to_input,
)

__all__ = ["ARCFACE_TEMPLATE", "Faces", "align_face", "decode", "default_detector",
           "detect_faces", "embed_faces", "fit_within", "prior_boxes", "similarity_matrix",
           "similarity_transform", "to_input"]
