// The random engine: case k of this worker is the seeded generator's scenario number
// k * stride + offset, so any scenario is rebuilt from (campaign seed, index, generator options).
import { generateDetailed } from '../generate/random.js';
import type { Engine, EngineContext } from './engine.js';

/** Cases between yields to the event loop (an in-process campaign must see Ctrl-C). */
const YIELD_EVERY = 16;

export const randomEngine: Engine = {
  name: 'random',
  async run(ctx: EngineContext): Promise<void> {
    for (let k = ctx.startIndex; !ctx.shouldStop(); k++) {
      const index = k * ctx.stride + ctx.offset;
      const g = generateDetailed(ctx.campaignSeed, index, ctx.genOptions);
      ctx.execute(g.scenario, { engine: 'random', seed: ctx.campaignSeed, index, mutators: g.mutators, mode: g.mode });
      if ((k - ctx.startIndex) % YIELD_EVERY === YIELD_EVERY - 1) await yieldToEventLoop();
    }
  },
};

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
