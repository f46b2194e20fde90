import { Inject, Injectable, Logger } from '@nestjs/common';
import { linkFolderName } from '../drive/output-tree';
import { STORAGE, Storage } from '../drive/storage.interface';
import { GENERATOR, Generator } from '../generation/generator.interface';
import { BatchProgressService } from '../pipeline/batch-progress.service';
import { Batch } from '../pipeline/entities/batch.entity';
import { BatchLink } from '../pipeline/entities/link.entity';
import { LinksRepository } from '../pipeline/repositories';
import { SourceTextService } from '../generation/text-reader/source-text.service';
import { FetchedSlideshow } from '../pipeline/slideshow';
import { ProductsService } from '../products/products.service';

/**
 * The steps of process-link: fetch the slideshow and read its text (stored on the link; the text and the
 * text-free slides are cached beside the slides, so no other batch reads them again), run the analysis once
 * (its plan is stored: a retry never pays for it again), then make the link's output folder and its P×T
 * variation rows.
 */
@Injectable()
export class LinkPlanner {
  private readonly logger = new Logger(LinkPlanner.name);

  constructor(
    private readonly sourceText: SourceTextService,
    @Inject(GENERATOR) private readonly generator: Generator,
    @Inject(STORAGE) private readonly storage: Storage,
    private readonly products: ProductsService,
    private readonly links: LinksRepository,
    private readonly progress: BatchProgressService,
  ) {}

  /** The stored fetch result when its files and text are still there, else a (cached) fetch and read. */
  async fetch(link: BatchLink): Promise<FetchedSlideshow> {
    const { slideshow, changed } = await this.sourceText.ensure(link.slideshow, link.url);
    if (!changed) return slideshow;
    link.slideshow = slideshow;
    link.postId = slideshow.postId;
    await this.links.repo.update(
      { id: link.id },
      { slideshow, postId: slideshow.postId, caption: slideshow.caption, slideCount: slideshow.slides.length },
    );
    await this.progress.event(
      link.batchId,
      `link ${link.position} fetched: ${slideshow.slides.length} slides, text on ${
        slideshow.slides.filter((s) => s.text?.blocks.length).length
      }`,
      link.id,
    );
    return slideshow;
  }

  /** The analysis, once per link: a stored plan is reused. */
  async plan(link: BatchLink, batch: Batch, slideshow: FetchedSlideshow): Promise<void> {
    if (link.plan) return;
    const product = await this.products.input(link.productId);
    link.plan = await this.generator.analyse({
      linkId: link.id,
      slideshow,
      product,
      photoVariations: batch.photoVariations,
      textVariations: batch.textVariations,
    });
    await this.links.repo.update({ id: link.id }, { plan: link.plan });
    await this.progress.event(
      link.batchId,
      `link ${link.position} planned: ${link.plan.slides.length} slides`,
      link.id,
    );
  }

  /** The link's output folder and its variation rows. */
  async openVariations(link: BatchLink, batch: Batch): Promise<void> {
    const folder = await this.storage.ensureFolder(
      batch.outputFolderId || null,
      linkFolderName(link.position, link.postId),
    );
    const outputUrl = this.storage.downloadUrl({ batchId: batch.id, linkId: link.id }, folder);
    await this.progress.createVariations(link, batch, { outputFolderId: folder.id, outputUrl });
    link.variationsCreated = true;
    this.logger.log(`batch ${batch.id} link ${link.id}: ${link.variationsTotal} variations queued`);
  }
}
