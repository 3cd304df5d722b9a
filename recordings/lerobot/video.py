"""MP4 video through PyAV: frames decoded by timestamp (lazily, per process), and encoding."""

from __future__ import annotations

import os
import weakref
from pathlib import Path

import av
import numpy as np
from av.video.reformatter import VideoReformatter

from recordings.lerobot import layout

# SVT-AV1 prints its banner on stderr at every encoder start; errors only.
os.environ.setdefault("SVT_LOG", "1")


# Every open decoder of this process. libav's decoder and scaler threads do not survive a fork:
# a child that frees a container inherited from its parent hangs. So the parent closes them
# all before it forks (DataLoader workers); each reopens on its next frame, in its own process.
_OPEN: weakref.WeakSet[VideoFrames] = weakref.WeakSet()


def _close_before_fork() -> None:
    for video in list(_OPEN):
        video.close()


os.register_at_fork(before=_close_before_fork)


class VideoError(ValueError):
    """A video file is missing, damaged, or has no frame at a timestamp asked for."""


class VideoFrames:
    """Frames of one video file by timestamp. Opens on first use; decodes forward when the
    next frame asked for lies just ahead (replay), else seeks to the keyframe before it."""

    def __init__(self, path: Path, fps: float) -> None:
        self.path = Path(path)
        self.fps = fps
        self._container = None
        self._pid = 0
        self._frames = None  # the decoding generator, positioned after _last_time
        self._last_time = -1.0
        self._last_image: np.ndarray | None = None

    def frame_at(self, seconds: float) -> np.ndarray:
        """The (H, W, 3) uint8 RGB frame shown at `seconds` into the file."""
        self._open()
        half = 0.5 / self.fps
        if self._last_image is not None and abs(self._last_time - seconds) < half:
            return self._last_image
        ahead = self._frames is not None and 0 < seconds - self._last_time <= layout.GOP / self.fps
        if not ahead:
            self._seek(seconds)
        try:
            for frame in self._frames:
                if frame.pts is None:
                    continue
                time = float(frame.pts * frame.time_base)
                if time < seconds - half:
                    continue
                if time > seconds + half:
                    break
                # One scaler kept for the file: a frame's own would be built and freed each time.
                rgb = self._reformatter.reformat(frame, format="rgb24")
                self._last_time, self._last_image = time, rgb.to_ndarray()
                return self._last_image
        except (av.error.FFmpegError, OSError) as exc:
            self._frames = None
            raise VideoError(
                f"{self.path.name}: cannot decode at {seconds:.3f} s ({exc})"
            ) from None
        self._frames = None
        raise VideoError(f"{self.path.name} has no frame at {seconds:.3f} s (truncated?)")

    def close(self) -> None:
        """Close the file if this process opened it. Safe to call twice."""
        if self._container is not None and self._pid == os.getpid():
            self._frames = None  # frees decoded frames (and their scaler) before the container
            self._container.close()
        self._container, self._frames, self._last_image = None, None, None
        self._reformatter = None
        _OPEN.discard(self)

    def _open(self) -> None:
        if self._container is not None and self._pid == os.getpid():
            return
        # A container opened before a fork belongs to the parent: open our own.
        self._container, self._frames, self._last_image = None, None, None
        try:
            self._container = av.open(str(self.path))
            self._stream = self._container.streams.video[0]
        except (av.error.FFmpegError, OSError, IndexError) as exc:
            raise VideoError(f"cannot open video {self.path} ({exc})") from None
        self._stream.thread_count = 1  # many files open at once, one per worker core
        self._reformatter = VideoReformatter()
        self._pid = os.getpid()
        _OPEN.add(self)

    def _seek(self, seconds: float) -> None:
        stream = self._stream
        target = max(0, int(round(seconds / stream.time_base)) - 1)
        try:
            self._container.seek(target, stream=stream, backward=True, any_frame=False)
        except (av.error.FFmpegError, OSError) as exc:
            raise VideoError(f"{self.path.name}: cannot seek to {seconds:.3f} s ({exc})") from None
        self._frames = self._container.decode(stream)
        self._last_image = None


def frame_times(path: Path) -> np.ndarray:
    """Presentation times (s) of every packet of the file's video stream, sorted; demuxed only."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        times = [
            float(packet.pts * stream.time_base)
            for packet in container.demux(stream)
            if packet.pts is not None and packet.size
        ]
    return np.sort(np.array(times))


class VideoEncoder:
    """Writes RGB frames to an MP4 file, one after another, at `fps` (pts = frame number)."""

    def __init__(self, path: Path, fps: float, size: tuple[int, int], codec: str = "av1") -> None:
        height, width = size
        if height % 2 or width % 2:
            raise ValueError(f"{path.name}: {width}x{height} frames: yuv420p needs even sizes")
        name = layout.CODECS[codec]
        options = {
            "g": str(layout.GOP),
            "crf": str(layout.CRF[name]),
            "preset": str(layout.PRESET[name]),
        }
        if name == "libsvtav1":
            options["svtav1-params"] = "fast-decode=0"
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.frames = 0
        self._container = av.open(str(path), "w")
        self._stream = self._container.add_stream(name, rate=int(round(fps)), options=options)
        self._stream.width, self._stream.height = width, height
        self._stream.pix_fmt = layout.PIX_FMT

    def add(self, image: np.ndarray) -> None:
        """Encode one (H, W, 3) uint8 RGB frame."""
        frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(image), format="rgb24")
        frame.pts = self.frames
        self._container.mux(self._stream.encode(frame))
        self.frames += 1

    def close(self) -> None:
        """Flush the encoder and close the file."""
        if self._container is None:
            return
        self._container.mux(self._stream.encode(None))
        self._container.close()
        self._container = None

    def abort(self) -> None:
        """Close without flushing (after an error)."""
        if self._container is not None:
            try:
                self._container.close()
            finally:
                self._container = None


def video_info(path: Path, codec: str | None = None) -> dict:
    """The `info` block LeRobot keeps per video feature (video.height, codec, pix_fmt...)."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        info = {
            "video.height": stream.height,
            "video.width": stream.width,
            "video.codec": stream.codec.canonical_name,
            "video.pix_fmt": stream.pix_fmt,
            "video.is_depth_map": False,
            "is_depth_map": False,
            "video.fps": int(stream.base_rate) if stream.base_rate else None,
            "video.channels": 3,
            "has_audio": bool(container.streams.audio),
        }
    if codec is not None:  # the encoder settings, as LeRobot records them
        name = layout.CODECS[codec]
        info.update(
            {
                "video.g": layout.GOP,
                "video.crf": layout.CRF[name],
                "video.preset": layout.PRESET[name],
                "video.fast_decode": 0,
                "video.video_backend": "pyav",
                "video.extra_options": {},
            }
        )
    return info
