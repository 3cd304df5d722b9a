"""Camera drivers: OpenCV (USB), RealSense, video file and in-memory frames, plus discovery."""
