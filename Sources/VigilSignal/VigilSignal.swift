/// ECG signal processing.
