/** Scene constants, in physical units (xy voxels), and the ids of the generator's random sub-streams. */
export const XY_NM = 8
export const CELL = 40 // one cell per CELL^3 physical voxels
export const WARP_SPACING = 36
export const WARP_AMP = 3.5
export const LF_SPACING = 64
export const LF_AMP = 9
export const CYTO_LO = 160
export const CYTO_HI = 182
export const MEM_I = 62
export const MEM_VAR = 1.125 // variance of the membrane profile exp(-h^2 / (2 var)): FWHM ~2.5 px
export const CLEFT_HALF = 2.5 // cleft label half thickness along the normal
export const SLAB = 8 // pre / post label slab thickness
export const NOISE_SIGMA = 12

// stream ids for independent random sub-streams
export const S_SEEDS = 1
export const S_FIELDS = 2
export const S_SYN = 3
export const S_MITO = 4
export const S_DIST = 5
export const S_VES = 6
export const S_NOISE = 7
export const S_TEX = 8
