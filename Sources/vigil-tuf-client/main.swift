import VigilTUF
