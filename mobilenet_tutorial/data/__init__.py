"""The data of the course: datasets, every preprocessing, and real photos.

- :mod:`.fashion`: Fashion-MNIST, online through torchvision or offline from Debian's files;
- :mod:`.image_folders`: one switch for every image source of transfer learning
  (Fashion-MNIST, Flowers102, a folder of your own images);
- :mod:`.transforms`: every preprocessing, from one recipe (resize, crop, scale, normalise);
- :mod:`.photos`: five real photos with their ImageNet labels;
- :mod:`.photo_views`: more photos, and crops of them, as batches for timing and checking;
- :mod:`.corruptions`: corrupted copies of test images (noise, blur, contrast, brightness,
  JPEG) at five severities, made locally and deterministically (chapter 9);
- :mod:`.plant_village`: PlantVillage for readers who are online, split by leaf (chapter 9).

The names of :mod:`.fashion` are importable from this package too, as they were from
the old module ``mobilenet_tutorial.data``.
"""

from . import fashion
from .fashion import *  # noqa: F403  (the old module's names)

__all__ = list(fashion.__all__)
