import type { Linter, Rule } from 'eslint';
export declare function layerOf(file: string): string | null;
export declare const layersRule: Rule.RuleModule;
declare const plugin: { rules: { layers: Rule.RuleModule }; processors: { 'svelte-script': Linter.Processor } };
export default plugin;
