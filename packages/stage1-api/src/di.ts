// The DI entry point of the project: reflect-metadata must load before tsyringe, so every
// package takes tsyringe from here and never imports it directly.
import "reflect-metadata";
export { container, inject, injectable, singleton } from "tsyringe";
export type { DependencyContainer } from "tsyringe";
