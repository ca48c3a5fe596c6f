import { useId, useState, type DragEvent } from 'react';
import { formatBytes } from '../lib/format.js';

interface DropZoneProps {
  file: File | null;
  onFile: (file: File | null) => void;
  accept?: string;
  disabled?: boolean;
}

/** A file picker that also takes a dropped file; the picker is a real, labelled file input. */
export function DropZone({ file, onFile, accept = '.onnx', disabled = false }: DropZoneProps) {
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
      <p>Drop an <code>.onnx</code> file here, or</p>
      <label className="btn file-button" htmlFor={inputId}>
        Choose a file…
        <input
          id={inputId}
          type="file"
          accept={accept}
          className="visually-hidden"
          disabled={disabled}
          aria-label="Model file (.onnx)"
          onChange={(e) => onFile(e.target.files?.[0] ?? null)}
        />
      </label>
      <p className="dropzone-file" aria-live="polite">
        {file ? <>Selected: <strong>{file.name}</strong> ({formatBytes(file.size)})</> : 'No file selected.'}
      </p>
    </div>
  );
}
