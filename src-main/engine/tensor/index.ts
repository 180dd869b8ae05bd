/**
 * The tensor engine: tfjs with the backend chosen at start-up, 3D convolution through fast 2D
 * kernels, and a doctor for the optional GPU backend. Import `tf` from here, not from tfjs directly,
 * so the gradients and the wasm kernels tfjs lacks are registered first.
 */
export {
  BACKEND_REQUESTS,
  initTensorEngine,
  resolveThreads,
  tf,
  type BackendName,
  type BackendRequest,
  type EngineInfo,
} from './backend.ts'
export {
  conv3d,
  conv3dMethod,
  setConv3dMethod,
  maxPoolHW,
  upsampleHW,
  type Conv3dMethod,
  type Conv3dOptions,
  type Tensor5D,
} from './conv3d.ts'
export { doctor, type DoctorReport } from './doctor.ts'
export { tfSeed } from './seed.ts'
export { maxBufferBytes, probeWebGpu, adapterLine, type AdapterReport, type WebGpuProbe } from './webgpu.ts'
export { checkDevice, deviceFailure, DeviceError } from '../device-state.ts'
