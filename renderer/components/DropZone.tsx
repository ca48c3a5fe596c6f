import { useId, useState, type DragEvent, type ReactNode } from 'react';
import { formatBytes } from '../lib/format.js';

interface DropZoneProps {
  file: File | null;
  onFile: (file: File | null) => void;
  accept?: string;
  disabled?: boolean;
  /** What to drop, before "or Choose a file…". */
  prompt?: ReactNode;
  /** The file input's accessible name. */
  label?: string;
}

/** A file picker that also takes a dropped file; the picker is a real, labelled file input. */
export function DropZone({
  file, onFile, accept = '.onnx', disabled = false, prompt = <>Drop an <code>.onnx</code> file here, or</>, label = 'Model file (.onnx)',
}: DropZoneProps) {
  const [dragging, setDragging] = useState(false);
  const inputId = useId();
  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setDragging(false);
    if (disabled) return;
    const dropped = e.dataTransfer.files[0];
    if (dropped) onFile(dropped);
  };
  return (
    <div
      className={`dropzone${dragging ? ' dropzone-active' : ''}`}
      onDragOver={(e) => { e.preventDefault(); if (!disabled) setDragging(true); }}
      onDragLeave={() => setDragging(false)}
      onDrop={onDrop}
    >
      <p>{prompt}</p>
      <label className="btn file-button" htmlFor={inputId}>
        Choose a file…
        <input
          id={inputId}
          type="file"
          accept={accept}
          className="visually-hidden"
          disabled={disabled}
          aria-label={label}
          onChange={(e) => onFile(e.target.files?.[0] ?? null)}
        />
      </label>
      <p className="dropzone-file" aria-live="polite">
        {file ? <>Selected: <strong>{file.name}</strong> ({formatBytes(file.size)})</> : 'No file selected.'}
      </p>
    </div>
  );
}
