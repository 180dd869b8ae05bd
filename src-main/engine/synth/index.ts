export { generateSynthetic, type SynthOptions, type SynthVolume, type SynthSynapse } from './generate.ts'
export { writeSynthetic, SYNTH_FILES, type SynthOutput } from './write.ts'
export {
  designRoi,
  renderRoi,
  WRONG_KINDS,
  type RoiDesign,
  type RoiKind,
  type WrongGroup,
} from './roi-patches.ts'
