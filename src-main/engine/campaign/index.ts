export {
  STEPS,
  isStepName,
  getCampaign,
  requireCampaign,
  initCampaign,
  campaignSteps,
  currentRound,
  pickStep,
  stepAlive,
  type Campaign,
  type CampaignParams,
  type StepName,
  type StepRow,
  type StepState,
} from './state.ts'
export {
  runStep,
  runUntil,
  type StepContext,
  type StepOutcome,
  type StepReport,
  type StepRunner,
  type StepRunners,
} from './run.ts'
export { CAMPAIGN_STEPS } from './steps.ts'
export { heldOutAccuracy, countObjects, type HeldOutAccuracy } from './held-out.ts'
export {
  simulateCampaigns,
  type CampaignSimulation,
  type CampaignSimulationOptions,
  type CampaignRound,
} from './simulate-campaigns.ts'
