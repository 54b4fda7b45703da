"""lifecircle: quarter-hour convenient living circle (一刻钟便民生活圈) planning."""

__version__ = "0.1.0"
