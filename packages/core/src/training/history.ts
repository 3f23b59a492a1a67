/** What `fit` returns, with Keras's key names (`loss`, `accuracy`, `val_loss`, `val_accuracy`). */
export interface History {
  epoch: number[];
  history: Record<string, number[]>;
}
