"""The data of the course: datasets, every preprocessing, and real photos.

- :mod:`.fashion`: Fashion-MNIST, online through torchvision or offline from Debian's files;
- :mod:`.image_folders`: one switch for every image source of transfer learning
  (Fashion-MNIST, Flowers102, a folder of your own images);
- :mod:`.transforms`: every preprocessing, from one recipe (resize, crop, scale, normalise);
- :mod:`.photos`: five real photos with their ImageNet labels;
- :mod:`.photo_views`: more photos, and crops of them, as batches for timing and checking.

The names of :mod:`.fashion` are importable from this package too, as they were from
the old module ``mobilenet_tutorial.data``.
"""

from .fashion import (
    DEBIAN_FASHION_MNIST_DIR,
    FASHION_MNIST_CLASSES,
    DataNotFoundError,
    default_data_dir,
    fashion_mnist,
    fashion_mnist_tensors,
    prepare_fashion_mnist,
    random_subset,
)

__all__ = ["FASHION_MNIST_CLASSES", "DEBIAN_FASHION_MNIST_DIR", "DataNotFoundError",
           "default_data_dir", "prepare_fashion_mnist", "fashion_mnist",
           "fashion_mnist_tensors", "random_subset"]
